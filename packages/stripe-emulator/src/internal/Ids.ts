import type { Random } from "./Random.js"

/**
 * Stripe-shaped identifiers. Stripe ids are opaque and random, not time-ordered, so list order
 * must never be derived from them; we keep that property (the sync must not rely on id order).
 */
export class IdGenerator {
  constructor(private readonly random: Random) {}

  /** `cus_` style: 14 characters after the prefix, like customers and products in Stripe. */
  short(prefix: string): string {
    return `${prefix}_${this.random.alphanumeric(14)}`
  }

  /** `pi_3…` style: 24 characters after the prefix, like most Stripe objects. */
  long(prefix: string): string {
    return `${prefix}_1${this.random.alphanumeric(23)}`
  }

  checkoutSession(): string {
    return `cs_test_a1${this.random.alphanumeric(56)}`
  }

  requestId(): string {
    return `req_${this.random.alphanumeric(14)}`
  }

  /** Coupon ids are short upper-case codes when the caller does not choose one. */
  couponCode(): string {
    return this.random.alphanumeric(8).toUpperCase()
  }

  secret(length: number): string {
    return this.random.alphanumeric(length)
  }
}

/**
 * Account-level invoice numbering (`PREFIX-0001`), as Stripe offers it: a prefix and a count. Stripe
 * never repeats a number, so an account numbers from one of these per id stream (see `Account`).
 */
export class InvoiceNumbers {
  private sequence = 0

  constructor(readonly prefix: string) {}

  next(): string {
    this.sequence += 1
    return `${this.prefix}-${String(this.sequence).padStart(4, "0")}`
  }
}

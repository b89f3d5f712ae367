/**
 * What every emulator test needs: an emulator started in-process on a free port, the official SDK
 * pointed at it, and a way to wait on a condition with a deadline (never a bare sleep).
 */
import Stripe from "stripe"
import { Emulator, type EmulatorOptions, type RunningEmulator } from "../../src/index.js"

export type { RunningEmulator }

export const startEmulator = (options: EmulatorOptions = {}): Promise<RunningEmulator> =>
  Emulator.start({ rateLimitPerSecond: 0, ...options })

export interface ClientOptions {
  readonly apiKey?: string
  readonly stripeAccount?: string
  readonly maxNetworkRetries?: number
}

export const stripeFor = (emulator: Pick<RunningEmulator, "host" | "port" | "apiKeys">, options: ClientOptions = {}): Stripe =>
  new Stripe(options.apiKey ?? emulator.apiKeys[0] ?? "", {
    host: emulator.host,
    port: emulator.port,
    protocol: "http",
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    telemetry: false,
    ...(options.stripeAccount === undefined ? {} : { stripeAccount: options.stripeAccount })
  })

/** Resolves with the first defined result of `probe`, or fails once `timeoutMs` has passed. */
export const eventually = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000, pollMs = 20): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await probe()
    if (result !== undefined) return result
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

/** The error a call fails with (the test fails if it succeeds). */
export const failure = async (call: Promise<unknown>): Promise<InstanceType<typeof Stripe.errors.StripeError>> => {
  try {
    await call
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error
    throw error
  }
  throw new Error("expected the call to fail")
}

/** Every item of an auto-paginated list. */
export const collect = async <T>(list: AsyncIterable<T>): Promise<Array<T>> => {
  const items: Array<T> = []
  for await (const item of list) items.push(item)
  return items
}

/** A customer that can pay: a default card attached, as Stripe needs for subscriptions. */
export const payingCustomer = async (stripe: Stripe, fields: Stripe.CustomerCreateParams = {}, card = "pm_card_visa"): Promise<Stripe.Customer> => {
  const method = await stripe.paymentMethods.create({ type: "card", card: { token: card.replace("pm_card_", "tok_") } })
  return stripe.customers.create({ ...fields, payment_method: method.id, invoice_settings: { default_payment_method: method.id } })
}

export const recurringPrice = (stripe: Stripe, unitAmount = 1_000, interval: "month" | "year" = "month"): Promise<Stripe.Price> =>
  stripe.prices.create({ currency: "usd", unit_amount: unitAmount, recurring: { interval }, product_data: { name: `Plan ${unitAmount}` } })

/** A new key with an empty account on a shared emulator: the SDK client and the admin client for it. */
export const freshAccount = async (emulator: RunningEmulator): Promise<{ readonly stripe: Stripe; readonly admin: ReturnType<RunningEmulator["admin"]>; readonly apiKey: string }> => {
  const { apiKey } = await emulator.admin().createApiKey()
  return { stripe: stripeFor(emulator, { apiKey }), admin: emulator.admin(apiKey), apiKey }
}

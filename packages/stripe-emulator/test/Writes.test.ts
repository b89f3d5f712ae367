import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure, payingCustomer, recurringPrice, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator
let stripe: Stripe

beforeAll(async () => {
  emulator = await startEmulator()
  stripe = stripeFor(emulator)
})
afterAll(() => emulator.stop())

describe("writes and validation", () => {
  it("rejects an invalid email as StripeInvalidRequestError with param set", async () => {
    const error = await failure(stripe.customers.create({ email: "not-an-email" }))
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
    expect(error.statusCode).toBe(400)
    expect(error.param).toBe("email")
    expect(error.code).toBe("email_invalid")
    expect(error.raw).toMatchObject({ type: "invalid_request_error", doc_url: expect.stringContaining("email-invalid") })
  })

  it("names the unknown price of a subscription item", async () => {
    const customer = await payingCustomer(stripe)
    const error = await failure(stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }, { price: "price_nope" }] }))
    expect(error.code).toBe("resource_missing")
    expect(error.param).toBe("items[1][price]")
    expect(error.message).toBe("No such price: 'price_nope'")
  })

  it("reports unknown, missing and malformed parameters like Stripe", async () => {
    const unknown = await failure(stripe.customers.create({ colour: "blue" } as Stripe.CustomerCreateParams))
    expect(unknown.code).toBe("parameter_unknown")
    expect(unknown.param).toBe("colour")
    const missing = await failure(stripe.prices.create({ currency: "usd", unit_amount: 100 } as Stripe.PriceCreateParams))
    expect(missing.code).toBe("parameter_missing")
    expect(missing.param).toBe("product")
    const malformed = await failure(stripe.paymentIntents.create({ amount: "ten" as unknown as number, currency: "usd" }))
    expect(malformed.code).toBe("parameter_invalid_integer")
    expect(malformed.param).toBe("amount")
    const nested = await failure(stripe.subscriptions.create({ customer: "cus_x", items: [{ price: "p", quantity: "two" as unknown as number }] }))
    expect(nested.param).toBe("items[0][quantity]")
  })

  it("refuses a negative unit amount on a price, as Stripe does", async () => {
    const product = await stripe.products.create({ name: "Negative" })
    const negative = await failure(stripe.prices.create({ currency: "usd", product: product.id, unit_amount: -100 }))
    expect(negative.code).toBe("parameter_invalid_integer")
    expect(negative.param).toBe("unit_amount")
    expect(negative.message).toBe("This value must be greater than or equal to 0.")
  })

  it("updates nested metadata key by key, and unsets with empty values", async () => {
    const customer = await stripe.customers.create({ metadata: { a: "1", b: "2" }, description: "first" })
    const updated = await stripe.customers.update(customer.id, { metadata: { b: "", c: "3" }, description: "" })
    expect(updated.metadata).toEqual({ a: "1", c: "3" })
    expect(updated.description).toBeNull()
    const cleared = await stripe.customers.update(customer.id, { metadata: "" as unknown as Stripe.MetadataParam })
    expect(cleared.metadata).toEqual({})
  })

  it("moves money: payment intents, declines as StripeCardError, refunds and balance transactions", async () => {
    const customer = await payingCustomer(stripe)
    const intent = await stripe.paymentIntents.create({ amount: 2_000, currency: "usd", customer: customer.id, payment_method: "pm_card_visa", confirm: true })
    expect(intent.status).toBe("succeeded")
    const charge = await stripe.charges.retrieve(String(intent.latest_charge))
    expect(charge).toMatchObject({ amount: 2_000, captured: true, paid: true, payment_intent: intent.id })
    const transaction = await stripe.balanceTransactions.retrieve(String(charge.balance_transaction))
    expect(transaction).toMatchObject({ amount: 2_000, fee: 88, net: 1_912, source: charge.id, type: "charge" })
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 500 })
    expect(refund).toMatchObject({ amount: 500, charge: charge.id, status: "succeeded" })
    expect((await stripe.charges.retrieve(charge.id)).amount_refunded).toBe(500)
    const tooMuch = await failure(stripe.refunds.create({ charge: charge.id, amount: 5_000 }))
    expect(tooMuch.code).toBe("amount_too_large")

    const declined = await failure(stripe.paymentIntents.create({ amount: 1_000, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true }))
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError)
    expect(declined.decline_code).toBe("generic_decline")
  })

  it("captures later with capture_method=manual and cancels intents", async () => {
    const held = await stripe.paymentIntents.create({ amount: 3_000, currency: "usd", payment_method: "pm_card_visa", confirm: true, capture_method: "manual" })
    expect(held.status).toBe("requires_capture")
    expect((await stripe.paymentIntents.capture(held.id, { amount_to_capture: 2_500 })).status).toBe("succeeded")
    const open = await stripe.paymentIntents.create({ amount: 3_000, currency: "usd" })
    expect((await stripe.paymentIntents.cancel(open.id)).status).toBe("canceled")
    expect((await failure(stripe.paymentIntents.cancel(held.id))).code).toBe("payment_intent_unexpected_state")
  })

  it("saves cards with setup intents and attaches payment methods", async () => {
    const customer = await stripe.customers.create({})
    const intent = await stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_mastercard", confirm: true })
    expect(intent.status).toBe("succeeded")
    const methods = await stripe.customers.listPaymentMethods(customer.id)
    expect(methods.data.map((method) => method.card?.brand)).toEqual(["mastercard"])
    const detached = await stripe.paymentMethods.detach(String(intent.payment_method))
    expect(detached.customer).toBeNull()
  })
})

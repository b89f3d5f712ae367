import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure, payingCustomer, recurringPrice, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator
let stripe: Stripe
let subscription: Stripe.Subscription

beforeAll(async () => {
  emulator = await startEmulator()
  stripe = stripeFor(emulator)
  const customer = await payingCustomer(stripe, { email: "expand@example.com" })
  subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
})
afterAll(() => emulator.stop())

describe("expand", () => {
  it("replaces an id with its object", async () => {
    const expanded = await stripe.subscriptions.retrieve(subscription.id, { expand: ["customer", "latest_invoice"] })
    expect(typeof expanded.customer).toBe("object")
    expect((expanded.customer as Stripe.Customer).email).toBe("expand@example.com")
    expect((expanded.latest_invoice as Stripe.Invoice).object).toBe("invoice")
  })

  it("follows dot paths through objects and nested lists", async () => {
    const invoice = await stripe.invoices.retrieve(String(subscription.latest_invoice), {
      expand: ["customer.invoice_settings.default_payment_method"]
    })
    const customer = invoice.customer as Stripe.Customer
    expect((customer.invoice_settings.default_payment_method as Stripe.PaymentMethod).object).toBe("payment_method")
    const withItems = await stripe.subscriptions.retrieve(subscription.id, { expand: ["items.data.price.product"] })
    expect((withItems.items.data[0]?.price.product as Stripe.Product).object).toBe("product")
  })

  it("takes the data. prefix on lists", async () => {
    const page = await stripe.invoices.list({ limit: 3, expand: ["data.customer"] })
    expect(page.data.every((invoice) => typeof invoice.customer === "object")).toBe(true)
    const error = await failure(stripe.invoices.list({ expand: ["customer"] }))
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
  })

  it("refuses unknown properties and more than 4 levels", async () => {
    const unknown = await failure(stripe.subscriptions.retrieve(subscription.id, { expand: ["no_such_field"] }))
    expect(unknown.message).toContain("cannot be expanded")
    const deep = await failure(stripe.subscriptions.retrieve(subscription.id, { expand: ["a.b.c.d.e"] }))
    expect(deep.param).toBe("expand")
  })

  it("never changes the stored object", async () => {
    await stripe.subscriptions.retrieve(subscription.id, { expand: ["customer"] })
    expect(typeof (await stripe.subscriptions.retrieve(subscription.id)).customer).toBe("string")
  })
})

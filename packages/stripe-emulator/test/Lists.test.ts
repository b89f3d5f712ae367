import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { collect, failure, freshAccount, payingCustomer, recurringPrice, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator
let stripe: Stripe

beforeAll(async () => {
  emulator = await startEmulator()
  await emulator.admin().seed({ customers: 2_500, events: false })
  stripe = stripeFor(emulator)
})
afterAll(() => emulator.stop())

describe("lists", () => {
  it("auto-paginates over 2,500 customers, each exactly once, newest first", async () => {
    const customers = await collect(stripe.customers.list({ limit: 100 }))
    expect(customers).toHaveLength(2_500)
    expect(new Set(customers.map((customer) => customer.id)).size).toBe(2_500)
    for (let index = 1; index < customers.length; index++) {
      expect(customers[index - 1]?.created ?? 0).toBeGreaterThanOrEqual(customers[index]?.created ?? 0)
    }
  })

  it("defaults to 10 items and says where the list lives", async () => {
    const page = await stripe.customers.list()
    expect(page.data).toHaveLength(10)
    expect(page.has_more).toBe(true)
    expect(page.object).toBe("list")
    expect(page.url).toBe("/v1/customers")
  })

  it("keeps limit within 1..100", async () => {
    for (const limit of [0, 101]) {
      const error = await failure(stripe.customers.list({ limit }))
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
      expect(error.param).toBe("limit")
    }
  })

  it("pages backwards with ending_before and refuses both cursors at once", async () => {
    const first = await stripe.customers.list({ limit: 5 })
    const second = await stripe.customers.list({ limit: 5, starting_after: first.data[4]?.id ?? "" })
    const back = await stripe.customers.list({ limit: 5, ending_before: second.data[0]?.id ?? "" })
    expect(back.data.map((customer) => customer.id)).toEqual(first.data.map((customer) => customer.id))
    expect(back.has_more).toBe(false)
    const error = await failure(stripe.customers.list({ starting_after: first.data[0]?.id ?? "", ending_before: first.data[1]?.id ?? "" }))
    expect(error.param).toBe("ending_before")
  })

  it("refuses a cursor that names no object", async () => {
    const error = await failure(stripe.customers.list({ starting_after: "cus_doesnotexist00" }))
    expect(error.code).toBe("resource_missing")
    expect(error.param).toBe("starting_after")
  })

  it("filters on created[gt|gte|lt|lte]", async () => {
    const all = await collect(stripe.customers.list({ limit: 100 }))
    const middle = all[1_250]?.created ?? 0
    const newer = await collect(stripe.customers.list({ limit: 100, created: { gt: middle } }))
    const older = await collect(stripe.customers.list({ limit: 100, created: { lte: middle } }))
    expect(newer.length + older.length).toBe(all.length)
    expect(newer.every((customer) => customer.created > middle)).toBe(true)
    expect(older.every((customer) => customer.created <= middle)).toBe(true)
    const window = await collect(stripe.customers.list({ limit: 100, created: { gte: middle, lt: middle + 86_400 } }))
    expect(window.every((customer) => customer.created >= middle && customer.created < middle + 86_400)).toBe(true)
  })

  it("filters on fields (customer email, invoice customer and status)", async () => {
    const someone = (await stripe.customers.list({ limit: 1 })).data[0]
    const byEmail = await stripe.customers.list({ email: someone?.email ?? "" })
    expect(byEmail.data.map((customer) => customer.id)).toEqual([someone?.id])
    const paid = await stripe.invoices.list({ status: "paid", limit: 100 })
    expect(paid.data.every((invoice) => invoice.status === "paid")).toBe(true)
  })

  it("hides only canceled subscriptions unless status=all", async () => {
    const { apiKey } = await emulator.admin().createApiKey()
    const fresh = stripeFor(emulator, { apiKey })
    const customer = await payingCustomer(fresh)
    const price = await recurringPrice(fresh)
    const kept = await fresh.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
    const canceled = await fresh.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(fresh, 2_000)).id }] })
    await fresh.subscriptions.cancel(canceled.id)
    const declined = await payingCustomer(fresh, {}, "pm_card_chargeDeclined")
    const expired = await fresh.subscriptions.create({ customer: declined.id, items: [{ price: price.id }] })
    await emulator.admin(apiKey).advanceClock(24 * 3_600)
    expect((await fresh.subscriptions.retrieve(expired.id)).status).toBe("incomplete_expired")
    const ids = async (params: Stripe.SubscriptionListParams = {}) => (await fresh.subscriptions.list(params)).data.map((subscription) => subscription.id)
    // Stripe's default leaves out canceled subscriptions only; expired ones are listed.
    expect(await ids()).toEqual([expired.id, kept.id])
    expect(await ids({ status: "all" })).toEqual([expired.id, canceled.id, kept.id])
    expect(await ids({ status: "canceled" })).toEqual([canceled.id])
    expect(await ids({ status: "ended" })).toEqual([expired.id, canceled.id])
    expect(await ids({ status: "incomplete_expired" })).toEqual([expired.id])
    expect((await fresh.customers.retrieve(declined.id, { expand: ["subscriptions"] }) as Stripe.Customer).subscriptions?.data.map((subscription) => subscription.id)).toEqual([expired.id])
  })

  it("lists a customer's payment methods under the customer, and the account's own without a customer", async () => {
    const { stripe: own } = await freshAccount(emulator)
    const customer = await payingCustomer(own)
    const second = await own.paymentMethods.attach(
      (await own.paymentMethods.create({ type: "card", card: { token: "tok_mastercard" } })).id,
      { customer: customer.id }
    )
    const loose = await own.paymentMethods.create({ type: "card", card: { token: "tok_amex" } })
    const held = [second.id, String(customer.invoice_settings.default_payment_method)].sort()
    expect((await collect(own.customers.listPaymentMethods(customer.id))).map((m) => m.id).sort()).toEqual(held)
    expect((await collect(own.paymentMethods.list({ customer: customer.id }))).map((m) => m.id).sort()).toEqual(held)
    // Stripe's account-level list is "for Treasury flows": it never shows what customers hold.
    expect((await collect(own.paymentMethods.list())).map((m) => m.id)).toEqual([loose.id])
    await own.paymentMethods.detach(second.id)
    expect((await collect(own.customers.listPaymentMethods(customer.id))).map((m) => m.id)).toEqual([customer.invoice_settings.default_payment_method])
    // Deleting the customer detaches what it still held, each with its event.
    await own.customers.del(customer.id)
    const kept = String(customer.invoice_settings.default_payment_method)
    expect((await own.paymentMethods.retrieve(kept)).customer).toBeNull()
    const detached = await own.events.list({ type: "payment_method.detached" })
    expect(detached.data.map((event) => (event.data.object as Stripe.PaymentMethod).id).sort()).toEqual(held)
  })

  it("filters lists by customer, newest first, paging within that customer's objects", async () => {
    const everyCharge = await collect(stripe.charges.list({ limit: 100 }))
    const counts = new Map<string, number>()
    for (const charge of everyCharge) if (typeof charge.customer === "string") counts.set(charge.customer, (counts.get(charge.customer) ?? 0) + 1)
    const [customer] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? []
    expect(customer).toBeDefined()
    const expected = everyCharge.filter((charge) => charge.customer === customer).map((charge) => charge.id)
    expect(expected.length).toBeGreaterThan(1)
    expect((await collect(stripe.charges.list({ customer: customer!, limit: 1 }))).map((charge) => charge.id)).toStrictEqual(expected)
    const invoices = await collect(stripe.invoices.list({ customer: customer!, limit: 3 }))
    expect(invoices.every((invoice) => invoice.customer === customer)).toBe(true)
    expect(invoices.map((i) => i.id)).toStrictEqual(
      (await collect(stripe.invoices.list({ limit: 100 }))).filter((i) => i.customer === customer).map((i) => i.id)
    )
  })

  it("serves every list endpoint of the seeded object types", async () => {
    const lists = await Promise.all([
      stripe.products.list(), stripe.prices.list(), stripe.plans.list(), stripe.coupons.list(), stripe.taxRates.list(),
      stripe.subscriptions.list(), stripe.invoices.list(), stripe.invoiceItems.list(), stripe.charges.list(), stripe.refunds.list(),
      stripe.paymentIntents.list(), stripe.setupIntents.list(), stripe.disputes.list(), stripe.payouts.list(),
      stripe.balanceTransactions.list(), stripe.creditNotes.list(), stripe.checkout.sessions.list()
    ])
    for (const list of lists) expect(list.data.length).toBeGreaterThan(0)
  })
})

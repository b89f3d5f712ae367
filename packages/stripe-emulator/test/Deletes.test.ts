import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator
let stripe: Stripe

beforeAll(async () => {
  emulator = await startEmulator()
  stripe = stripeFor(emulator)
})
afterAll(() => emulator.stop())

describe("deletes", () => {
  it("returns a stub, keeps a deleted customer retrievable as that stub, and drops it from lists", async () => {
    const customer = await stripe.customers.create({ email: "gone@example.com" })
    expect(await stripe.customers.del(customer.id)).toEqual({ id: customer.id, object: "customer", deleted: true })
    expect(await stripe.customers.retrieve(customer.id)).toEqual({ id: customer.id, object: "customer", deleted: true })
    expect((await stripe.customers.list({ limit: 100 })).data.map((c) => c.id)).not.toContain(customer.id)
    const update = await failure(stripe.customers.update(customer.id, { name: "Back" }))
    expect(update.statusCode).toBe(404)
  })

  it("answers 404 resource_missing for deleted products, coupons and plans", async () => {
    const product = await stripe.products.create({ name: "Ephemeral" })
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: "once" })
    const plan = await stripe.plans.create({ amount: 500, currency: "usd", interval: "month", product: { name: "Plan to delete" } })
    await stripe.products.del(product.id)
    await stripe.coupons.del(coupon.id)
    await stripe.plans.del(plan.id)
    for (const call of [stripe.products.retrieve(product.id), stripe.coupons.retrieve(coupon.id), stripe.plans.retrieve(plan.id), stripe.prices.retrieve(plan.id)]) {
      const error = await failure(call)
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
      expect(error.statusCode).toBe(404)
      expect(error.code).toBe("resource_missing")
      expect(error.param).toBe("id")
    }
    expect((await stripe.products.list({ limit: 100 })).data.map((p) => p.id)).not.toContain(product.id)
  })

  it("keeps paging past a cursor that was deleted meanwhile", async () => {
    const created = []
    for (let index = 0; index < 4; index++) created.push(await stripe.customers.create({ email: `page${index}@example.com` }))
    const cursor = created[2]
    if (cursor === undefined) throw new Error("no cursor")
    await stripe.customers.del(cursor.id)
    const after = await stripe.customers.list({ starting_after: cursor.id, limit: 2 })
    expect(after.data.map((customer) => customer.id)).toEqual([created[1]?.id, created[0]?.id])
  })

  it("refuses to delete what Stripe cannot delete", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 100, product_data: { name: "Has a price" } })
    const error = await failure(stripe.products.del(price.product as string))
    expect(error.code).toBe("product_has_prices")
    const invoice = await stripe.invoices.create({ customer: (await stripe.customers.create({})).id })
    expect((await stripe.invoices.del(invoice.id)).deleted).toBe(true)
    expect((await failure(stripe.invoices.retrieve(invoice.id))).statusCode).toBe(404)
  })
})

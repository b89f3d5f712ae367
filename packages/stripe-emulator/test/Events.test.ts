import type Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { collect, failure, freshAccount, payingCustomer, recurringPrice, startEmulator, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: 4 })
})
afterAll(() => emulator.stop())

/** Each test takes a fresh key, so event lists hold only what the test did. */
const freshClient = async (): Promise<Stripe> => (await freshAccount(emulator)).stripe

describe("events", () => {
  it("records create, update and delete, with previous_attributes on updates", async () => {
    const stripe = await freshClient()
    const customer = await stripe.customers.create({ email: "ev@example.com", metadata: { plan: "basic" } }, { idempotencyKey: "create-ev-customer" })
    await stripe.customers.update(customer.id, { name: "Eve", metadata: { plan: "pro", seats: "3" } })
    await stripe.customers.del(customer.id)
    const events = (await stripe.events.list()).data
    expect(events.map((event) => event.type)).toEqual(["customer.deleted", "customer.updated", "customer.created"])
    const [deleted, updated, created] = events
    expect(created?.data.object).toMatchObject({ id: customer.id, email: "ev@example.com" })
    expect(created?.data.previous_attributes).toBeUndefined()
    expect(created?.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: "create-ev-customer" })
    expect(updated?.data.previous_attributes).toEqual({ name: null, metadata: { plan: "basic", seats: null } })
    expect(updated?.data.object).toMatchObject({ name: "Eve", metadata: { plan: "pro", seats: "3" } })
    expect(deleted?.data.object).toMatchObject({ id: customer.id, email: "ev@example.com" })
    for (const event of events) {
      expect(event).toMatchObject({ object: "event", api_version: emulator.apiVersion, livemode: false, pending_webhooks: 0 })
      expect(event.id).toMatch(/^evt_/)
    }
  })

  it("filters by type with a wildcard, by types[], and by created", async () => {
    const stripe = await freshClient()
    const customer = await payingCustomer(stripe)
    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    const subscriptionEvents = await stripe.events.list({ type: "customer.subscription.*" })
    expect(subscriptionEvents.data.map((event) => event.type)).toEqual(["customer.subscription.created"])
    const customerEvents = await stripe.events.list({ type: "customer.*", limit: 100 })
    expect(new Set(customerEvents.data.map((event) => event.type))).toEqual(new Set(["customer.created", "customer.updated", "customer.subscription.created"]))
    const both = await stripe.events.list({ types: ["invoice.paid", "charge.succeeded"] })
    expect(new Set(both.data.map((event) => event.type))).toEqual(new Set(["invoice.paid", "charge.succeeded"]))
    const all = await collect(stripe.events.list({ limit: 3 }))
    const newest = all[0]?.created ?? 0
    expect((await collect(stripe.events.list({ created: { gt: newest } })))).toHaveLength(0)
    expect((await collect(stripe.events.list({ created: { lte: newest } })))).toHaveLength(all.length)
    expect(new Set(all.map((event) => event.id)).size).toBe(all.length)
  })

  it("records nothing for subscription items, invoice lines and balance transactions", async () => {
    const stripe = await freshClient()
    const customer = await payingCustomer(stripe)
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    await stripe.subscriptionItems.create({ subscription: subscription.id, price: (await recurringPrice(stripe, 3_000)).id })
    const types = (await collect(stripe.events.list({ limit: 100 }))).map((event) => event.type)
    expect(types.some((type) => /^(subscription_item|line_item|balance_transaction|invoiceitem\.updated)/.test(type))).toBe(false)
    expect(types.filter((type) => type === "customer.subscription.updated")).toHaveLength(1)
    const updated = (await stripe.events.list({ type: "customer.subscription.updated" })).data[0]
    expect((updated?.data.previous_attributes as { items?: { data: Array<unknown> } } | undefined)?.items?.data).toHaveLength(1)
    expect((await stripe.balanceTransactions.list()).data.length).toBeGreaterThan(0)
  })

  it("retrieves an event by id, and refuses events older than 30 days", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    await stripe.customers.create({ email: "old@example.com" })
    const event = (await stripe.events.list()).data[0]
    expect((await stripe.events.retrieve(event?.id ?? "")).id).toBe(event?.id)
    await admin.advanceClock(31 * 86_400)
    const retrieve = await failure(stripe.events.retrieve(event?.id ?? ""))
    expect(retrieve.statusCode).toBe(404)
    expect(retrieve.code).toBe("resource_missing")
    expect((await stripe.events.list()).data).toHaveLength(0)
    const cursor = await failure(stripe.events.list({ starting_after: event?.id ?? "" }))
    expect(cursor.code).toBe("resource_missing")
    expect(cursor.param).toBe("starting_after")
  })

  it("refuses type and types together", async () => {
    const stripe = await freshClient()
    expect((await failure(stripe.events.list({ type: "customer.created", types: ["customer.updated"] }))).param).toBe("types")
  })
})

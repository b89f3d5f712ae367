import type Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { SeedSummary } from "../src/index.js"
import { collect, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator
let stripe: Stripe
let seeded: SeedSummary

beforeAll(async () => {
  emulator = await startEmulator()
  seeded = await emulator.admin().seed({ customers: 20 })
  stripe = stripeFor(emulator)
})
afterAll(() => emulator.stop())

describe("nested lists", () => {
  it("embeds the first 10 invoice lines and pages all 25 through the list's url", async () => {
    const invoice = await stripe.invoices.retrieve(seeded.samples.invoiceWithManyLines)
    expect(invoice.lines.data).toHaveLength(10)
    expect(invoice.lines.has_more).toBe(true)
    expect(invoice.lines.url).toBe(`/v1/invoices/${invoice.id}/lines`)
    const lines = await collect(stripe.invoices.listLineItems(invoice.id, { limit: 7 }))
    expect(lines).toHaveLength(25)
    expect(new Set(lines.map((line) => line.id)).size).toBe(25)
    expect(lines.slice(0, 10).map((line) => line.id)).toEqual(invoice.lines.data.map((line) => line.id))
    expect(lines.reduce((sum, line) => sum + line.amount, 0)).toBe(invoice.subtotal)
  })

  it("pages a 20-item subscription at /v1/subscription_items", async () => {
    const subscription = await stripe.subscriptions.retrieve(seeded.samples.subscriptionWithManyItems)
    expect(subscription.items.data).toHaveLength(10)
    expect(subscription.items.has_more).toBe(true)
    expect(subscription.items.url).toBe(`/v1/subscription_items?subscription=${subscription.id}`)
    const items = await collect(stripe.subscriptionItems.list({ subscription: subscription.id, limit: 100 }))
    expect(items).toHaveLength(20)
    expect(new Set(items.map((item) => item.price.id)).size).toBe(20)
  })

  it("shows charge refunds only when expanded: the first 10 of 12, then pages them all", async () => {
    const plain = await stripe.charges.retrieve(seeded.samples.chargeWithManyRefunds)
    expect(plain.refunds).toBeUndefined()
    expect(plain.amount_refunded).toBe(4_800)
    expect(plain.refunded).toBe(false)
    const expanded = await stripe.charges.retrieve(plain.id, { expand: ["refunds"] })
    expect(expanded.refunds?.data).toHaveLength(10)
    expect(expanded.refunds?.has_more).toBe(true)
    expect(expanded.refunds?.url).toBe(`/v1/charges/${plain.id}/refunds`)
    const refunds = await collect(stripe.refunds.list({ charge: plain.id, limit: 4 }))
    expect(refunds).toHaveLength(12)
    expect(new Set(refunds.map((refund) => refund.id)).size).toBe(12)
    expect(refunds.slice(0, 10).map((refund) => refund.id)).toEqual(expanded.refunds?.data.map((refund) => refund.id))
    const restThroughUrl: unknown = await stripe.rawRequest("GET", `${expanded.refunds?.url}?limit=10&starting_after=${refunds[9]?.id}`, {})
    expect(restThroughUrl).toMatchObject({ has_more: false, data: refunds.slice(10).map((refund) => ({ id: refund.id })) })
  })

  it("pages credit note lines and checkout line items", async () => {
    const note = await stripe.creditNotes.retrieve(seeded.samples.creditNoteWithManyLines)
    expect(note.lines.data).toHaveLength(10)
    expect(note.lines.has_more).toBe(true)
    expect(await collect(stripe.creditNotes.listLineItems(note.id, { limit: 4 }))).toHaveLength(15)

    const session = await stripe.checkout.sessions.retrieve(seeded.samples.checkoutSessionWithManyLineItems)
    expect(session.line_items).toBeUndefined()
    const withItems = await stripe.checkout.sessions.retrieve(session.id, { expand: ["line_items"] })
    expect(withItems.line_items?.data).toHaveLength(10)
    expect(withItems.line_items?.has_more).toBe(true)
    expect(await collect(stripe.checkout.sessions.listLineItems(session.id, { limit: 6 }))).toHaveLength(15)
  })

  it("expands a customer's subscriptions as a nested list", async () => {
    const subscription = await stripe.subscriptions.retrieve(seeded.samples.subscriptionWithManyItems)
    const customer = await stripe.customers.retrieve(String(subscription.customer), { expand: ["subscriptions"] })
    expect("deleted" in customer).toBe(false)
    if (!("deleted" in customer)) expect(customer.subscriptions?.data.map((item) => item.id)).toContain(subscription.id)
  })
})

import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { collect, failure, freshAccount, payingCustomer, recurringPrice, startEmulator, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const eventTypes = async (stripe: Stripe): Promise<Array<string>> => (await collect(stripe.events.list({ limit: 100 }))).map((event) => event.type).reverse()

describe("billing", () => {
  it("creates a subscription with a paid first invoice, and the events Stripe sends", async () => {
    const { stripe } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe)
    const price = await recurringPrice(stripe, 1_500)
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] })
    expect(subscription.status).toBe("active")
    expect(subscription.items.data[0]).toMatchObject({ quantity: 2, price: { id: price.id } })
    const invoice = await stripe.invoices.retrieve(String(subscription.latest_invoice))
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 3_000, billing_reason: "subscription_create", customer: customer.id })
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id)
    expect(invoice.number).toMatch(/^[A-Z0-9]{8}-0001$/)
    const types = await eventTypes(stripe)
    expect(types).toEqual(expect.arrayContaining(["customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded", "charge.succeeded", "payment_intent.succeeded"]))
    expect(types.indexOf("customer.subscription.created")).toBeLessThan(types.indexOf("invoice.paid"))
  })

  it("refuses a subscription for a customer without a card, unless default_incomplete", async () => {
    const { stripe } = await freshAccount(emulator)
    const customer = await stripe.customers.create({})
    const price = await recurringPrice(stripe)
    expect((await failure(stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }))).statusCode).toBe(400)
    const pending = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: "default_incomplete" })
    expect(pending.status).toBe("incomplete")
    expect((await stripe.invoices.retrieve(String(pending.latest_invoice))).status).toBe("open")
  })

  it("updates items, cancels, and announces both", async () => {
    const { stripe } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe)
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    const item = subscription.items.data[0]
    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item?.id ?? "", quantity: 5 }, { price: (await recurringPrice(stripe, 700)).id }],
      metadata: { tier: "gold" }
    })
    expect(updated.items.data.map((entry) => entry.quantity)).toEqual([5, 1])
    const event = (await stripe.events.list({ type: "customer.subscription.updated" })).data[0]
    expect(event?.data.previous_attributes).toMatchObject({ metadata: { tier: null } })
    expect(Object.keys(event?.data.previous_attributes ?? {})).toContain("items")
    const duplicate = await failure(stripe.subscriptionItems.create({ subscription: subscription.id, price: item?.price.id ?? "" }))
    expect(duplicate.message).toContain("same price")
    const canceled = await stripe.subscriptions.cancel(subscription.id)
    expect(canceled).toMatchObject({ status: "canceled", canceled_at: expect.any(Number) })
    expect((await stripe.events.list({ type: "customer.subscription.deleted" })).data[0]?.data.object).toMatchObject({ id: subscription.id, status: "canceled" })
  })

  it("runs a manual invoice: items, finalize, pay; and voids another", async () => {
    const { stripe } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe)
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1_200, currency: "usd", description: "Setup" })
    const invoice = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: "include" })
    expect(invoice).toMatchObject({ status: "draft", total: 1_200, number: null })
    const item = await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 300, currency: "usd" })
    expect((await stripe.invoices.retrieve(invoice.id)).total).toBe(1_500)
    await stripe.invoiceItems.update(item.id, { amount: 400 })
    expect((await stripe.invoices.retrieve(invoice.id)).total).toBe(1_600)
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id)
    expect(finalized.status).toBe("open")
    expect((await failure(stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 1, currency: "usd" }))).code).toBe("invoice_not_editable")
    expect((await stripe.invoices.pay(invoice.id)).status).toBe("paid")
    expect((await failure(stripe.invoices.pay(invoice.id))).code).toBe("invoice_already_paid")

    const other = await stripe.invoices.create({ customer: customer.id, collection_method: "send_invoice", days_until_due: 14 })
    await stripe.invoiceItems.create({ customer: customer.id, invoice: other.id, amount: 999, currency: "usd" })
    await stripe.invoices.finalizeInvoice(other.id)
    expect((await stripe.invoices.voidInvoice(other.id)).status).toBe("void")
    const types = await eventTypes(stripe)
    expect(types).toEqual(expect.arrayContaining(["invoiceitem.created", "invoice.updated", "invoice.voided", "invoice.finalized"]))
    expect(types).not.toContain("invoiceitem.updated")
  })

  it("issues credit notes that adjust the invoice, and voids them", async () => {
    const { stripe } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe)
    await stripe.invoiceItems.create({ customer: customer.id, amount: 5_000, currency: "usd" })
    const invoice = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: "include" })
    await stripe.invoices.pay(invoice.id)
    const note = await stripe.creditNotes.create({ invoice: invoice.id, amount: 1_000, refund_amount: 1_000 })
    expect(note).toMatchObject({ type: "post_payment", total: 1_000, status: "issued" })
    expect(note.refunds[0]?.amount_refunded).toBe(1_000)
    expect((await stripe.invoices.retrieve(invoice.id)).post_payment_credit_notes_amount).toBe(1_000)
    const open = await stripe.invoices.create({ customer: customer.id, collection_method: "send_invoice", days_until_due: 7 })
    await stripe.invoiceItems.create({ customer: customer.id, invoice: open.id, amount: 2_000, currency: "usd" })
    await stripe.invoices.finalizeInvoice(open.id)
    const lines = await stripe.invoices.listLineItems(open.id)
    const pre = await stripe.creditNotes.create({ invoice: open.id, lines: [{ type: "invoice_line_item", invoice_line_item: lines.data[0]?.id ?? "", quantity: 1 }] })
    expect((await stripe.invoices.retrieve(open.id)).amount_remaining).toBe(0)
    expect((await stripe.creditNotes.voidCreditNote(pre.id)).status).toBe("void")
    expect((await stripe.invoices.retrieve(open.id)).pre_payment_credit_notes_amount).toBe(0)
  })

  it("completes and expires checkout sessions, which announce only that", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 2_500, product_data: { name: "Book" } })
    const session = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: price.id, quantity: 2 }], success_url: "https://example.com" })
    expect(session).toMatchObject({ status: "open", amount_total: 5_000, payment_status: "unpaid" })
    expect((await eventTypes(stripe)).filter((type) => type.startsWith("checkout"))).toEqual([])
    await admin.completeCheckoutSession(session.id)
    const completed = await stripe.checkout.sessions.retrieve(session.id)
    expect(completed).toMatchObject({ status: "complete", payment_status: "paid" })
    expect((await stripe.paymentIntents.retrieve(String(completed.payment_intent))).status).toBe("succeeded")
    const other = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: price.id }], success_url: "https://example.com" })
    expect((await stripe.checkout.sessions.expire(other.id)).status).toBe("expired")
    const types = await eventTypes(stripe)
    expect(types.filter((type) => type.startsWith("checkout.session"))).toEqual(["checkout.session.completed", "checkout.session.expired"])
  })

  it("advancing the clock renews subscriptions, pays out payouts and expires sessions", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe)
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    const payout = await stripe.payouts.create({ amount: 1_000, currency: "usd" })
    expect(payout.status).toBe("pending")
    const session = await stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: (await stripe.prices.create({ currency: "usd", unit_amount: 100, product_data: { name: "x" } })).id }], success_url: "https://example.com" })
    const before = await admin.clock()
    const after = await admin.advanceClock(32 * 86_400)
    expect(after.now - before.now).toBeGreaterThanOrEqual(32 * 86_400)
    const renewed = await stripe.subscriptions.retrieve(subscription.id)
    expect(renewed.latest_invoice).not.toBe(subscription.latest_invoice)
    expect((await stripe.invoices.retrieve(String(renewed.latest_invoice))).billing_reason).toBe("subscription_cycle")
    expect(renewed.items.data[0]?.current_period_start).toBe(subscription.items.data[0]?.current_period_end)
    expect((await stripe.payouts.retrieve(payout.id)).status).toBe("paid")
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired")
  })

  it("expires an unpaid incomplete subscription after 23 hours, voiding its first invoice", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe, {}, "pm_card_chargeDeclined")
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    expect(subscription.status).toBe("incomplete")
    await admin.advanceClock(22 * 3_600)
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe("incomplete")
    await admin.advanceClock(2 * 3_600)
    const expired = await stripe.subscriptions.retrieve(subscription.id)
    expect(expired).toMatchObject({ status: "incomplete_expired", ended_at: expect.any(Number), canceled_at: expect.any(Number) })
    expect((await stripe.invoices.retrieve(String(subscription.latest_invoice))).status).toBe("void")
    const [latest] = (await stripe.events.list({ limit: 1, type: "customer.subscription.*" })).data
    expect(latest).toMatchObject({ type: "customer.subscription.updated", data: { object: { id: subscription.id, status: "incomplete_expired" }, previous_attributes: { status: "incomplete" } } })
    expect(await eventTypes(stripe)).toContain("invoice.voided")
  })

  it("activates an incomplete subscription when its first invoice is paid", async () => {
    const { stripe } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe, {}, "pm_card_chargeDeclined")
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    expect(subscription.status).toBe("incomplete")
    const card = await stripe.paymentMethods.attach(
      (await stripe.paymentMethods.create({ type: "card", card: { token: "tok_visa" } })).id,
      { customer: customer.id }
    )
    const paid = await stripe.invoices.pay(String(subscription.latest_invoice), { payment_method: card.id })
    expect(paid.status).toBe("paid")
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe("active")
    const [latest] = (await stripe.events.list({ limit: 1, type: "customer.subscription.*" })).data
    expect(latest).toMatchObject({ type: "customer.subscription.updated", data: { object: { id: subscription.id, status: "active" }, previous_attributes: { status: "incomplete" } } })
  })

  it("previews the next invoice without storing it", async () => {
    const { stripe } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe)
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe, 4_200)).id }] })
    await stripe.invoiceItems.create({ customer: customer.id, amount: 800, currency: "usd" })
    const preview = await stripe.invoices.createPreview({ subscription: subscription.id })
    expect(preview.id).toMatch(/^upcoming_in_/)
    expect(preview.total).toBe(5_000)
    expect(preview.lines.data).toHaveLength(2)
    expect((await stripe.invoices.list({ limit: 100 })).data.map((invoice) => invoice.id)).not.toContain(preview.id)
    expect((await failure(stripe.invoices.retrieve(preview.id ?? ""))).statusCode).toBe(404)
    expect((await stripe.events.list({ limit: 100 })).data.some((event) => (event.data.object as { id?: string }).id === preview.id)).toBe(false)
  })

  it("has no upcoming invoice to preview for a canceled or expired subscription, as Stripe answers", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const customer = await payingCustomer(stripe)
    const canceled = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    await stripe.subscriptions.cancel(canceled.id)
    const refused = await failure(stripe.invoices.createPreview({ subscription: canceled.id }))
    expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
    expect(refused).toMatchObject({ statusCode: 404, type: "StripeInvalidRequestError", code: "invoice_upcoming_none", message: `No upcoming invoices for customer: ${customer.id}` })
    expect(refused.raw).toMatchObject({ type: "invalid_request_error" })

    const declined = await payingCustomer(stripe, {}, "pm_card_chargeDeclined")
    const incomplete = await stripe.subscriptions.create({ customer: declined.id, items: [{ price: (await recurringPrice(stripe)).id }] })
    await admin.advanceClock(24 * 3_600)
    expect((await stripe.subscriptions.retrieve(incomplete.id)).status).toBe("incomplete_expired")
    expect(await failure(stripe.invoices.createPreview({ customer: declined.id, subscription: incomplete.id }))).toMatchObject({ statusCode: 404, code: "invoice_upcoming_none" })
  })
})

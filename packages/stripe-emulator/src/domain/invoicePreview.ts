import { Schema } from "effect"
import { invalidRequest, noSuch } from "../http/StripeError.js"
import { Arr, Obj, optional, Str, Int, Metadata, Bool } from "../params/Form.js"
import type { InvoiceLineItem, Price } from "../store/Objects.js"
import type { StripeObject } from "../store/StripeObject.js"
import { build } from "./Build.js"
import { itemsOf } from "./billing.js"
import { addInterval } from "./Periods.js"
import { ItemParam, resolveItemPrice } from "./subscriptionItems.js"
import type { Writer } from "./Writer.js"

export const InvoicePreviewParams = Schema.Struct({
  customer: optional(Str),
  subscription: optional(Str),
  subscription_details: optional(Obj({ items: optional(Arr(ItemParam)), trial_end: optional(Int), cancel_at_period_end: optional(Bool), metadata: optional(Metadata) })),
  invoice_items: optional(Arr(Obj({ amount: optional(Int), currency: optional(Str), description: optional(Str), price: optional(Str), quantity: optional(Int) }))),
  currency: optional(Str),
  expand: optional(Arr(Str))
})
export type InvoicePreviewParams = typeof InvoicePreviewParams.Type

interface PreviewLine {
  readonly amount: number
  readonly currency: string
  readonly description: string | null
  readonly quantity: number
  readonly price: Price | null
  readonly subscription: string | null
  readonly subscriptionItem: string | null
  readonly invoiceItem: string | null
  readonly period: { readonly start: number; readonly end: number }
}

/** A subscription in these (terminal) statuses will never bill again, so it has no next invoice. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(["canceled", "incomplete_expired"])

/** Stripe's answer when there is no next invoice to preview: a 404, not a validation error. */
const noUpcomingInvoice = (customerId: string) =>
  invalidRequest(`No upcoming invoices for customer: ${customerId}`, { code: "invoice_upcoming_none", status: 404 })

/**
 * `POST /v1/invoices/create_preview`: what the next invoice would look like. The result is never
 * stored, listed or announced, and its id (`upcoming_in_…`) cannot be retrieved, as in Stripe. A
 * canceled or expired subscription has none: `invoice_upcoming_none`.
 */
export const previewInvoice = (writer: Writer, params: InvoicePreviewParams): StripeObject => {
  const subscription = params.subscription === undefined ? undefined : writer.get("subscription", params.subscription)
  if (params.subscription !== undefined && subscription === undefined) throw noSuch("subscription", params.subscription, "subscription", 400)
  const customerId = params.customer ?? subscription?.data.customer
  if (customerId === undefined) throw invalidRequest("Must provide either `customer` or `subscription`.", { param: "customer" })
  const customer = writer.get("customer", customerId)
  if (customer === undefined) throw noSuch("customer", customerId, "customer", 400)
  if (subscription !== undefined && ENDED_STATUSES.has(subscription.data.status)) throw noUpcomingInvoice(customerId)

  const lines: Array<PreviewLine> = []
  const changes = params.subscription_details?.items ?? []
  const changedIds = new Set(changes.map((change) => change.id).filter((id) => id !== undefined))
  if (subscription !== undefined) {
    for (const item of itemsOf(writer, subscription.id)) {
      if (changedIds.has(item.id)) continue
      const start = item.data.current_period_end
      lines.push(subscriptionLine(item.data.price, item.data.quantity, subscription.id, item.id, start))
    }
  }
  changes.forEach((change, index) => {
    if (change.deleted === true) return
    const current = change.id === undefined ? undefined : writer.get("subscription_item", change.id)
    const price = change.price === undefined && change.plan === undefined ? current?.data.price : resolveItemPrice(writer, change, `subscription_details[items][${index}]`).price
    if (price === undefined) return
    const start = current?.data.current_period_end ?? writer.now
    lines.push(subscriptionLine(price, change.quantity ?? current?.data.quantity ?? 1, subscription?.id ?? null, current?.id ?? null, start))
  })
  for (const id of writer.store.pendingInvoiceItems(customerId)) {
    const item = writer.get("invoiceitem", id)
    if (item === undefined) continue
    lines.push({
      amount: item.data.amount,
      currency: item.data.currency,
      description: item.data.description,
      quantity: item.data.quantity,
      price: null,
      subscription: null,
      subscriptionItem: null,
      invoiceItem: item.id,
      period: { start: item.data.date, end: item.data.date }
    })
  }
  for (const extra of params.invoice_items ?? []) {
    const price = extra.price === undefined ? undefined : writer.get("price", extra.price)?.data
    const quantity = extra.quantity ?? 1
    lines.push({
      amount: price === undefined ? (extra.amount ?? 0) : (price.unit_amount ?? 0) * quantity,
      currency: price?.currency ?? extra.currency ?? "usd",
      description: extra.description ?? null,
      quantity,
      price: price ?? null,
      subscription: null,
      subscriptionItem: null,
      invoiceItem: null,
      period: { start: writer.now, end: writer.now }
    })
  }

  const id = `upcoming_in_${writer.ids.secret(24)}`
  const total = lines.reduce((sum, line) => sum + line.amount, 0)
  const periodStart = lines[0]?.period.start ?? writer.now
  return {
    ...build("invoice", {
      id,
      amount_due: total,
      amount_paid: 0,
      amount_remaining: total,
      billing_reason: subscription === undefined ? "manual" : "upcoming",
      collection_method: subscription?.data.collection_method ?? "charge_automatically",
      created: writer.now,
      currency: params.currency ?? lines[0]?.currency ?? customer.data.currency ?? "usd",
      customer: customerId,
      customer_email: customer.data.email,
      customer_name: customer.data.name,
      metadata: {},
      number: null,
      parent: subscription === undefined ? null : { quote_details: null, subscription_details: { metadata: subscription.data.metadata, subscription: subscription.id }, type: "subscription_details" },
      period_end: lines[0]?.period.end ?? writer.now,
      period_start: periodStart,
      status: "draft",
      status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: total,
      subtotal_excluding_tax: total,
      total,
      total_excluding_tax: total
    }),
    lines: { object: "list", data: lines.map((line) => lineObject(writer, id, line)), has_more: false, url: `/v1/invoices/${id}/lines` }
  }
}

const subscriptionLine = (price: Price, quantity: number, subscription: string | null, subscriptionItem: string | null, start: number): PreviewLine => ({
  amount: (price.unit_amount ?? 0) * quantity,
  currency: price.currency,
  description: `${quantity} × ${price.nickname ?? price.product}`,
  quantity,
  price,
  subscription,
  subscriptionItem,
  invoiceItem: null,
  period: { start, end: price.recurring === null ? start : addInterval(start, price.recurring) }
})

const lineObject = (writer: Writer, invoiceId: string, line: PreviewLine): InvoiceLineItem =>
  build("line_item", {
    id: `il_tmp_${writer.ids.secret(24)}`,
    amount: line.amount,
    currency: line.currency,
    description: line.description,
    invoice: invoiceId,
    metadata: {},
    parent:
      line.invoiceItem === null
        ? {
            invoice_item_details: null,
            subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: line.subscription, subscription_item: line.subscriptionItem },
            type: "subscription_item_details"
          }
        : {
            invoice_item_details: { invoice_item: line.invoiceItem, proration: false, proration_details: { credited_items: null }, subscription: null },
            subscription_item_details: null,
            type: "invoice_item_details"
          },
    period: line.period,
    pricing: {
      type: "price_details",
      price_details: line.price === null ? null : { price: line.price.id, product: line.price.product },
      unit_amount_decimal: String(line.quantity === 0 ? 0 : line.amount / line.quantity)
    },
    quantity: line.quantity,
    subscription: line.subscription,
    subtotal: line.amount
  })

import type { Entry } from "../store/Entry.js"
import type { Invoice, InvoiceItem, InvoiceLineItem, Price, SubscriptionItem } from "../store/Objects.js"
import { build } from "./Build.js"
import type { Writer } from "./Writer.js"

/**
 * Invoice line items. They emit no events of their own (Stripe's don't): a sync sees them
 * through `invoice.*` events and pages them at `/v1/invoices/{id}/lines`.
 */
const pricing = (price: Price | undefined, unitAmount: number) => ({
  type: "price_details",
  price_details: price === undefined ? null : { price: price.id, product: price.product },
  unit_amount_decimal: String(unitAmount)
})

export const lineFromInvoiceItem = (writer: Writer, invoiceId: string, item: InvoiceItem): Entry<InvoiceLineItem> => {
  const priceId = readPriceId(item)
  const price = priceId === undefined ? undefined : writer.get("price", priceId)?.data
  const line = writer.create(
    "line_item",
    build("line_item", {
      id: writer.ids.long("il"),
      amount: item.amount,
      currency: item.currency,
      description: item.description,
      invoice: invoiceId,
      metadata: item.metadata,
      parent: {
        invoice_item_details: { invoice_item: item.id, proration: false, proration_details: { credited_items: null }, subscription: null },
        subscription_item_details: null,
        type: "invoice_item_details"
      },
      period: item["period"] ?? { end: item.date, start: item.date },
      pricing: pricing(price, item.quantity === 0 ? 0 : Math.round(item.amount / item.quantity)),
      quantity: item.quantity,
      quantity_decimal: String(item.quantity),
      subscription: null,
      subtotal: item.amount
    })
  )
  writer.store.link("invoice.lines", invoiceId, line.id)
  return line
}

const readPriceId = (item: InvoiceItem): string | undefined => {
  const itemPricing = item["pricing"]
  if (typeof itemPricing !== "object" || itemPricing === null || !("price_details" in itemPricing)) return undefined
  const details = itemPricing.price_details
  return typeof details === "object" && details !== null && "price" in details && typeof details.price === "string" ? details.price : undefined
}

export interface SubscriptionLineInput {
  readonly item: SubscriptionItem
  readonly periodStart: number
  readonly periodEnd: number
  /** Trial periods bill nothing but still show a line, as Stripe's do. */
  readonly trial: boolean
}

export const lineFromSubscriptionItem = (writer: Writer, invoiceId: string, input: SubscriptionLineInput): Entry<InvoiceLineItem> => {
  const { item } = input
  const unitAmount = input.trial ? 0 : (item.price.unit_amount ?? 0)
  const amount = unitAmount * item.quantity
  const productName = writer.get("product", item.price.product)?.data.name ?? "Subscription"
  const line = writer.create(
    "line_item",
    build("line_item", {
      id: writer.ids.long("il"),
      amount,
      currency: item.price.currency,
      description: input.trial ? `Trial period for ${productName}` : `${item.quantity} × ${productName}`,
      invoice: invoiceId,
      metadata: item.metadata,
      parent: {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription: item.subscription,
          subscription_item: item.id
        },
        type: "subscription_item_details"
      },
      period: { end: input.periodEnd, start: input.periodStart },
      pricing: pricing(item.price, unitAmount),
      quantity: item.quantity,
      quantity_decimal: String(item.quantity),
      subscription: item.subscription,
      subtotal: amount
    })
  )
  writer.store.link("invoice.lines", invoiceId, line.id)
  return line
}

/** Totals from the lines, less credit notes issued before payment. Taxes and discounts are not modelled. */
export const withTotals = (writer: Writer, invoice: Invoice): Invoice => {
  let subtotal = 0
  for (const id of writer.store.childrenOf("invoice.lines", invoice.id)) {
    subtotal += writer.get("line_item", id)?.data.amount ?? 0
  }
  const amountDue = Math.max(0, subtotal - invoice.pre_payment_credit_notes_amount)
  return {
    ...invoice,
    subtotal,
    subtotal_excluding_tax: subtotal,
    total: subtotal,
    total_excluding_tax: subtotal,
    amount_due: amountDue,
    amount_remaining: invoice.status === "paid" ? 0 : Math.max(0, amountDue - invoice.amount_paid)
  }
}

import type { Entry } from "../store/Entry.js"
import type { Invoice, Subscription, SubscriptionItem } from "../store/Objects.js"
import { announceDraft, attemptPayment, finalizeInvoice, insertDraft, type DraftInvoice } from "./invoices.js"
import { lineFromSubscriptionItem } from "./invoiceLines.js"
import type { Writer } from "./Writer.js"

/**
 * Subscription billing: one invoice per period, with a line per item, finalized at once and, for
 * `charge_automatically`, paid with the subscription's or the customer's card. Prorations, taxes,
 * discounts and usage-based billing are not modelled.
 */
export interface PeriodBill {
  readonly invoiceId?: string
  readonly reason: DraftInvoice["billingReason"]
  readonly periodStart: number
  readonly periodEnd: number
  readonly trial: boolean
  /** `default_incomplete`: the first invoice waits for the customer to confirm its payment. */
  readonly attemptPayment: boolean
}

export type BillOutcome = "paid" | "open" | "failed"

export const itemsOf = (writer: Writer, subscriptionId: string): Array<Entry<SubscriptionItem>> =>
  writer.store
    .childrenOf("subscription.items", subscriptionId)
    .map((id) => writer.get("subscription_item", id))
    .filter((item): item is Entry<SubscriptionItem> => item !== undefined)

export const billPeriod = (writer: Writer, subscription: Subscription, bill: PeriodBill): { invoice: Entry<Invoice>; outcome: BillOutcome } => {
  const customer = writer.get("customer", subscription.customer)
  if (customer === undefined) throw new Error(`subscription ${subscription.id} has no customer ${subscription.customer}`)
  const invoice = insertDraft(writer, {
    ...(bill.invoiceId === undefined ? {} : { id: bill.invoiceId }),
    customer: customer.data,
    currency: subscription.currency,
    collectionMethod: subscription.collection_method,
    daysUntilDue: subscription.days_until_due ?? undefined,
    autoAdvance: true,
    billingReason: bill.reason,
    subscription: { id: subscription.id, metadata: subscription.metadata },
    periodStart: bill.periodStart,
    periodEnd: bill.periodEnd,
    defaultPaymentMethod: subscription.default_payment_method ?? undefined
  })
  for (const item of itemsOf(writer, subscription.id)) {
    lineFromSubscriptionItem(writer, invoice.id, { item: item.data, periodStart: bill.periodStart, periodEnd: bill.periodEnd, trial: bill.trial })
  }
  announceDraft(writer, invoice)
  finalizeInvoice(writer, invoice)
  if (invoice.data.status === "paid") return { invoice, outcome: "paid" }
  if (subscription.collection_method === "send_invoice" || !bill.attemptPayment) return { invoice, outcome: "open" }
  const outcome = attemptPayment(writer, invoice, subscription.default_payment_method ?? undefined)
  return { invoice, outcome: outcome.kind === "paid" ? "paid" : "failed" }
}

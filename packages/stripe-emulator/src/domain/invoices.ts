import { Schema } from "effect"
import { DAY_SECONDS } from "../internal/Clock.js"
import { invalidRequest, noSuch, type StripeError } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, Metadata, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Customer, Invoice } from "../store/Objects.js"
import type { Metadata as MetadataValue } from "../store/StripeObject.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import { lineFromInvoiceItem, withTotals } from "./invoiceLines.js"
import { collectPayment } from "./paymentIntents.js"
import { defaultPaymentMethodOf } from "./paymentMethods.js"
import type { Writer } from "./Writer.js"

const CollectionMethod = Enum("charge_automatically", "send_invoice")

export const InvoiceCreateParams = Schema.Struct({
  customer: Str,
  auto_advance: optional(Bool),
  collection_method: optional(CollectionMethod),
  days_until_due: optional(Int),
  due_date: optional(Int),
  description: optional(Str),
  footer: optional(Str),
  metadata: optional(Metadata),
  default_payment_method: optional(Str),
  currency: optional(Str),
  pending_invoice_items_behavior: optional(Enum("exclude", "include")),
  subscription: optional(Str),
  expand: optional(Arr(Str))
})
export type InvoiceCreateParams = typeof InvoiceCreateParams.Type

export const InvoiceUpdateParams = Schema.Struct({
  auto_advance: optional(Bool),
  collection_method: optional(CollectionMethod),
  days_until_due: optional(Int),
  due_date: optional(Int),
  description: optional(Emptyable(Str)),
  footer: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  default_payment_method: optional(Emptyable(Str)),
  expand: optional(Arr(Str))
})
export type InvoiceUpdateParams = typeof InvoiceUpdateParams.Type

export const InvoicePayParams = Schema.Struct({
  payment_method: optional(Str),
  paid_out_of_band: optional(Bool),
  forgive: optional(Bool),
  off_session: optional(Bool),
  expand: optional(Arr(Str))
})
export type InvoicePayParams = typeof InvoicePayParams.Type

export interface DraftInvoice {
  readonly id?: string
  readonly customer: Customer
  readonly currency: string
  readonly collectionMethod: "charge_automatically" | "send_invoice"
  readonly daysUntilDue?: number | undefined
  readonly autoAdvance: boolean
  readonly billingReason: "manual" | "subscription_create" | "subscription_cycle" | "subscription_update"
  readonly subscription?: { readonly id: string; readonly metadata: MetadataValue } | undefined
  readonly periodStart: number
  readonly periodEnd: number
  readonly description?: string | undefined
  readonly metadata?: MetadataValue | undefined
  readonly defaultPaymentMethod?: string | undefined
}

/** Stores a draft; lines are added by the caller, which then calls `announceDraft`. */
export const insertDraft = (writer: Writer, draft: DraftInvoice): Entry<Invoice> =>
  writer.create(
    "invoice",
    build("invoice", {
      id: draft.id ?? writer.ids.long("in"),
      amount_due: 0,
      amount_paid: 0,
      amount_remaining: 0,
      auto_advance: draft.autoAdvance,
      billing_reason: draft.billingReason,
      collection_method: draft.collectionMethod,
      created: writer.now,
      currency: draft.currency,
      customer: draft.customer.id,
      customer_email: draft.customer.email,
      customer_name: draft.customer.name,
      customer_phone: draft.customer["phone"] ?? null,
      customer_address: draft.customer["address"] ?? null,
      days_until_due: draft.daysUntilDue ?? null,
      default_payment_method: draft.defaultPaymentMethod ?? null,
      description: draft.description ?? null,
      metadata: draft.metadata ?? {},
      number: null,
      parent:
        draft.subscription === undefined
          ? null
          : {
              quote_details: null,
              subscription_details: { metadata: draft.subscription.metadata, subscription: draft.subscription.id },
              type: "subscription_details"
            },
      period_end: draft.periodEnd,
      period_start: draft.periodStart,
      status: "draft",
      status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: 0,
      total: 0
    }),
    null
  )

/** Recomputes totals once the lines are in and records `invoice.created` with the complete invoice. */
export const announceDraft = (writer: Writer, invoice: Entry<Invoice>): void => {
  writer.replaceSilently("invoice", invoice, withTotals(writer, invoice.data))
  writer.emit("invoice.created", "invoice", invoice)
}

export const createInvoice = (writer: Writer, params: InvoiceCreateParams): Entry<Invoice> => {
  const customer = writer.get("customer", params.customer)
  if (customer === undefined) throw noSuch("customer", params.customer, "customer", 400)
  const collectionMethod = params.collection_method ?? "charge_automatically"
  if (collectionMethod === "send_invoice" && params.days_until_due === undefined && params.due_date === undefined) {
    throw invalidRequest("Invoices with `collection_method=send_invoice` must have a `due_date` or `days_until_due`.", {
      param: "days_until_due"
    })
  }
  const invoice = insertDraft(writer, {
    customer: customer.data,
    currency: params.currency?.toLowerCase() ?? customer.data.currency ?? "usd",
    collectionMethod,
    daysUntilDue: params.days_until_due,
    autoAdvance: params.auto_advance ?? false,
    billingReason: "manual",
    periodStart: writer.now,
    periodEnd: writer.now,
    description: params.description,
    metadata: mergeMetadata({}, params.metadata),
    defaultPaymentMethod: params.default_payment_method
  })
  if (params.pending_invoice_items_behavior === "include") includePendingItems(writer, invoice)
  announceDraft(writer, invoice)
  return invoice
}

const includePendingItems = (writer: Writer, invoice: Entry<Invoice>): void => {
  for (const id of writer.store.pendingInvoiceItems(invoice.data.customer)) {
    const item = writer.get("invoiceitem", id)
    if (item === undefined) continue
    writer.replaceSilently("invoiceitem", item, { ...item.data, invoice: invoice.id })
    lineFromInvoiceItem(writer, invoice.id, item.data)
  }
}

const notEditable = (invoice: Invoice) =>
  invalidRequest(`This invoice is in the ${invoice.status} state and cannot be updated in this way.`, { code: "invoice_not_editable" })

const FINALIZED_EDITABLE = ["metadata", "description", "footer", "auto_advance", "expand"]

export const updateInvoice = (writer: Writer, invoice: Entry<Invoice>, params: InvoiceUpdateParams): void => {
  const data = invoice.data
  if (data.status !== "draft") {
    const forbidden = Object.entries(params).find(([key, value]) => value !== undefined && !FINALIZED_EDITABLE.includes(key))
    if (forbidden !== undefined || data.status === "void") throw notEditable(data)
  }
  writer.update("invoice", invoice, {
    ...data,
    ...pickDefined(params, ["auto_advance", "collection_method", "days_until_due", "due_date", "description", "footer", "default_payment_method"]),
    metadata: mergeMetadata(data.metadata, params.metadata)
  })
}

/** Only drafts can be deleted; their items become pending again. */
export const deleteInvoice = (writer: Writer, invoice: Entry<Invoice>): void => {
  if (invoice.data.status !== "draft") {
    throw invalidRequest("You can only delete draft invoices.", { code: "invoice_not_editable" })
  }
  for (const item of writer.store.collection("invoiceitem").values()) {
    if (item.data.invoice === invoice.id) writer.replaceSilently("invoiceitem", item, { ...item.data, invoice: null })
  }
  writer.remove("invoice", invoice)
}

export const finalizeInvoice = (writer: Writer, invoice: Entry<Invoice>): void => {
  const data = invoice.data
  if (data.status !== "draft") {
    throw invalidRequest("This invoice is already finalized, you can't re-finalize a non-draft invoice.", { code: "invoice_unexpected_state" })
  }
  const hostedId = writer.ids.secret(40)
  const dueDate = data.collection_method === "send_invoice" ? writer.now + (Number(data["days_until_due"] ?? 30)) * DAY_SECONDS : null
  writer.update(
    "invoice",
    invoice,
    withTotals(writer, {
      ...data,
      number: writer.identifiers.invoiceNumbers.next(),
      status: "open",
      due_date: data["due_date"] ?? dueDate,
      effective_at: writer.now,
      ending_balance: 0,
      hosted_invoice_url: `https://invoice.stripe.com/i/${writer.account.id}/test_${hostedId}`,
      invoice_pdf: `https://pay.stripe.com/invoice/${writer.account.id}/test_${hostedId}/pdf`,
      status_transitions: { ...data.status_transitions, finalized_at: writer.now }
    }),
    ["invoice.finalized"]
  )
  if (invoice.data.amount_due === 0) markPaid(writer, invoice, undefined)
}

const markPaid = (writer: Writer, invoice: Entry<Invoice>, chargeId: string | undefined): void => {
  if (chargeId !== undefined) writer.store.invoiceCharges.set(invoice.id, chargeId)
  writer.update(
    "invoice",
    invoice,
    {
      ...invoice.data,
      amount_paid: invoice.data.amount_due,
      amount_remaining: 0,
      attempted: true,
      attempt_count: Number(invoice.data["attempt_count"] ?? 0) + (chargeId === undefined ? 0 : 1),
      status: "paid",
      status_transitions: { ...invoice.data.status_transitions, paid_at: writer.now }
    },
    ["invoice.paid", "invoice.payment_succeeded"]
  )
  settleSubscription(writer, invoice)
}

/** The subscription an invoice bills, from `parent.subscription_details`. */
const subscriptionOf = (invoice: Entry<Invoice>): string | undefined => {
  const parent = invoice.data["parent"] as { readonly subscription_details?: { readonly subscription?: unknown } } | null | undefined
  const id = parent?.subscription_details?.subscription
  return typeof id === "string" ? id : undefined
}

/**
 * As in Stripe, paying a subscription's latest invoice makes it `active` again: an
 * `incomplete` one (its first payment needed confirming, or was declined) or a `past_due` or
 * `unpaid` one (a renewal failed).
 */
const settleSubscription = (writer: Writer, invoice: Entry<Invoice>): void => {
  const id = subscriptionOf(invoice)
  const subscription = id === undefined ? undefined : writer.get("subscription", id)
  if (subscription === undefined || subscription.data.latest_invoice !== invoice.id) return
  const status = subscription.data.status
  if (status !== "incomplete" && status !== "past_due" && status !== "unpaid") return
  writer.update("subscription", subscription, { ...subscription.data, status: "active" })
}

export type PaymentOutcome = { readonly kind: "paid" } | { readonly kind: "failed"; readonly error: StripeError }

/** Attempts payment with the given card, the invoice's, or the customer's default. */
export const attemptPayment = (writer: Writer, invoice: Entry<Invoice>, paymentMethodId: string | undefined): PaymentOutcome => {
  const data = invoice.data
  const methodId =
    paymentMethodId ??
    (typeof data["default_payment_method"] === "string" ? data["default_payment_method"] : undefined) ??
    defaultPaymentMethodOf(writer, data.customer)?.id
  if (methodId === undefined) {
    throw invalidRequest(
      "This customer has no attached payment source or default payment method. Please consider adding a default payment method.",
      { param: "payment_method" }
    )
  }
  const result = collectPayment(writer, {
    amount: data.amount_remaining,
    currency: data.currency,
    customer: data.customer,
    paymentMethodId: methodId,
    description: `Payment for Invoice ${data.number ?? invoice.id}`
  })
  if (result.kind === "succeeded") {
    markPaid(writer, invoice, result.chargeId)
    return { kind: "paid" }
  }
  writer.update(
    "invoice",
    invoice,
    { ...invoice.data, attempted: true, attempt_count: Number(invoice.data["attempt_count"] ?? 0) + 1 },
    ["invoice.payment_failed"]
  )
  return { kind: "failed", error: result.error }
}

export const payInvoice = (writer: Writer, invoice: Entry<Invoice>, params: InvoicePayParams): void => {
  if (invoice.data.status === "draft") finalizeInvoice(writer, invoice)
  if (invoice.data.status === "paid") throw invalidRequest("Invoice is already paid", { code: "invoice_already_paid" })
  if (invoice.data.status !== "open" && invoice.data.status !== "uncollectible") {
    throw invalidRequest(`This invoice can no longer be paid because it is ${invoice.data.status}.`, { code: "invoice_unexpected_state" })
  }
  if (params.paid_out_of_band === true || invoice.data.amount_remaining === 0) {
    markPaid(writer, invoice, undefined)
    return
  }
  const outcome = attemptPayment(writer, invoice, params.payment_method)
  if (outcome.kind === "failed") throw outcome.error
}

export const voidInvoice = (writer: Writer, invoice: Entry<Invoice>): void => {
  if (invoice.data.status !== "open" && invoice.data.status !== "uncollectible") {
    throw invalidRequest(`You can only void open or uncollectible invoices; this one is ${invoice.data.status}.`, { code: "invoice_unexpected_state" })
  }
  writer.update(
    "invoice",
    invoice,
    { ...invoice.data, status: "void", amount_remaining: 0, status_transitions: { ...invoice.data.status_transitions, voided_at: writer.now } },
    ["invoice.voided"]
  )
}

export const markUncollectible = (writer: Writer, invoice: Entry<Invoice>): void => {
  if (invoice.data.status !== "open") {
    throw invalidRequest(`You can only mark open invoices uncollectible; this one is ${invoice.data.status}.`, { code: "invoice_unexpected_state" })
  }
  writer.update(
    "invoice",
    invoice,
    { ...invoice.data, status: "uncollectible", status_transitions: { ...invoice.data.status_transitions, marked_uncollectible_at: writer.now } },
    ["invoice.marked_uncollectible"]
  )
}

export const sendInvoice = (writer: Writer, invoice: Entry<Invoice>): void => {
  if (invoice.data.status !== "open" || invoice.data.collection_method !== "send_invoice") {
    throw invalidRequest("You can only manually send an open invoice with collection_method=send_invoice.", { code: "invoice_unexpected_state" })
  }
  writer.emit("invoice.sent", "invoice", invoice)
}

/**
 * Changes a draft's lines (`edit`), then re-totals it and records `invoice.updated` with what
 * changed, lines included.
 */
export const editDraftLines = (writer: Writer, invoice: Entry<Invoice>, edit: () => void): void => {
  const change = writer.track("invoice", invoice)
  edit()
  writer.replaceSilently("invoice", invoice, withTotals(writer, invoice.data))
  change.commit()
}

import { Schema } from "effect"
import { cardDeclined, invalidRequest, noSuch, parameterMissing } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, Metadata, Obj, optional, Str, TimestampOrNow } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Customer, Subscription } from "../store/Objects.js"
import { DAY_SECONDS } from "../internal/Clock.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import { billPeriod, itemsOf } from "./billing.js"
import { defaultPaymentMethodOf, outcomeOf } from "./paymentMethods.js"
import { addInterval } from "./Periods.js"
import { applyItemChanges, insertItem, resolveItemPrice, ItemParam, MAX_ITEMS } from "./subscriptionItems.js"
import { voidInvoice } from "./invoices.js"
import type { Writer } from "./Writer.js"

const PaymentBehavior = Enum("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")
const ProrationBehavior = Enum("always_invoice", "create_prorations", "none")
const CancellationDetails = Obj({
  comment: optional(Emptyable(Str)),
  feedback: optional(Emptyable(Enum("customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused")))
})

const SharedFields = {
  metadata: optional(Metadata),
  collection_method: optional(Enum("charge_automatically", "send_invoice")),
  days_until_due: optional(Int),
  default_payment_method: optional(Emptyable(Str)),
  default_tax_rates: optional(Emptyable(Arr(Str))),
  description: optional(Emptyable(Str)),
  cancel_at_period_end: optional(Bool),
  cancel_at: optional(Emptyable(Int)),
  trial_end: optional(TimestampOrNow),
  payment_behavior: optional(PaymentBehavior),
  proration_behavior: optional(ProrationBehavior),
  off_session: optional(Bool),
  expand: optional(Arr(Str))
}

export const SubscriptionCreateParams = Schema.Struct({
  ...SharedFields,
  customer: Str,
  items: Arr(ItemParam),
  trial_period_days: optional(Int),
  trial_from_plan: optional(Bool),
  billing_cycle_anchor: optional(Int),
  currency: optional(Str)
})
export type SubscriptionCreateParams = typeof SubscriptionCreateParams.Type

export const SubscriptionUpdateParams = Schema.Struct({
  ...SharedFields,
  items: optional(Arr(ItemParam)),
  pause_collection: optional(Emptyable(Obj({ behavior: Enum("keep_as_draft", "mark_uncollectible", "void"), resumes_at: optional(Int) }))),
  cancellation_details: optional(CancellationDetails)
})
export type SubscriptionUpdateParams = typeof SubscriptionUpdateParams.Type

export const SubscriptionCancelParams = Schema.Struct({
  invoice_now: optional(Bool),
  prorate: optional(Bool),
  cancellation_details: optional(CancellationDetails),
  expand: optional(Arr(Str))
})
export type SubscriptionCancelParams = typeof SubscriptionCancelParams.Type

const noPaymentMethod = () =>
  invalidRequest("This customer has no attached payment source or default payment method. Please consider adding a default payment method.", {
    code: "resource_missing"
  })

const trialEndOf = (writer: Writer, params: SubscriptionCreateParams): number | null => {
  if (params.trial_end !== undefined) return params.trial_end === "now" ? null : params.trial_end
  if (params.trial_period_days !== undefined && params.trial_period_days > 0) return writer.now + params.trial_period_days * DAY_SECONDS
  return null
}

export const createSubscription = (writer: Writer, params: SubscriptionCreateParams): Entry<Subscription> => {
  const customer = writer.get("customer", params.customer)
  if (customer === undefined) throw noSuch("customer", params.customer, "customer", 400)
  if (params.items.length === 0) throw parameterMissing("items")
  if (params.items.length > MAX_ITEMS) {
    throw invalidRequest(`You cannot have more than ${MAX_ITEMS} items on a subscription.`, { param: "items" })
  }
  const prices = params.items.map((item, index) => resolveItemPrice(writer, item, `items[${index}]`))
  const currency = prices[0]?.price.currency ?? "usd"
  const duplicate = prices.findIndex(({ price }, index) => prices.findIndex((other) => other.price.id === price.id) !== index)
  if (duplicate >= 0) {
    throw invalidRequest(`Cannot add multiple subscription items with the same price: ${prices[duplicate]?.price.id ?? ""}`, { param: `items[${duplicate}][price]` })
  }
  const mixed = prices.findIndex(({ price }) => price.currency !== currency)
  if (mixed >= 0) throw invalidRequest("All prices on a subscription must have the same currency.", { param: `items[${mixed}][price]` })

  const trialEnd = trialEndOf(writer, params)
  const collectionMethod = params.collection_method ?? "charge_automatically"
  if (collectionMethod === "send_invoice" && params.days_until_due === undefined) {
    throw invalidRequest("Subscriptions with `collection_method=send_invoice` must have `days_until_due`.", { param: "days_until_due" })
  }
  const amount = prices.reduce((sum, { price }, index) => sum + (price.unit_amount ?? 0) * (params.items[index]?.quantity ?? 1), 0)
  const paymentMethod =
    typeof params.default_payment_method === "string" ? writer.get("payment_method", params.default_payment_method) : defaultPaymentMethodOf(writer, customer.id)
  if (typeof params.default_payment_method === "string" && paymentMethod === undefined) {
    throw noSuch("PaymentMethod", params.default_payment_method, "default_payment_method", 400)
  }
  const behavior = params.payment_behavior ?? "allow_incomplete"
  const mustPay = trialEnd === null && collectionMethod === "charge_automatically" && amount > 0
  let status: Subscription["status"] = trialEnd === null ? "active" : "trialing"
  if (mustPay) {
    const outcome = paymentMethod === undefined ? undefined : outcomeOf(paymentMethod.data)
    if (behavior === "default_incomplete") status = "incomplete"
    else if (paymentMethod === undefined) throw noPaymentMethod()
    else if (outcome === "declined" || outcome === "insufficient_funds") {
      if (behavior === "error_if_incomplete") throw cardDeclined("generic_decline", "Your card was declined.")
      status = "incomplete"
    }
  }

  const periodStart = params.billing_cycle_anchor ?? writer.now
  const invoiceId = writer.ids.long("in")
  const subscription = writer.create(
    "subscription",
    build("subscription", {
      id: writer.ids.long("sub"),
      billing_cycle_anchor: trialEnd ?? periodStart,
      cancel_at: params.cancel_at ?? null,
      cancel_at_period_end: params.cancel_at_period_end ?? false,
      collection_method: collectionMethod,
      created: writer.now,
      currency,
      customer: customer.id,
      days_until_due: params.days_until_due ?? null,
      default_payment_method: typeof params.default_payment_method === "string" ? params.default_payment_method : null,
      default_tax_rates: [],
      description: params.description ?? null,
      latest_invoice: invoiceId,
      metadata: mergeMetadata({}, params.metadata),
      start_date: writer.now,
      status,
      trial_end: trialEnd,
      trial_start: trialEnd === null ? null : writer.now
    }),
    null
  )
  writer.store.link("customer.subscriptions", customer.id, subscription.id)
  params.items.forEach((item, index) => {
    const resolved = prices[index]
    if (resolved === undefined) return
    const periodEnd = trialEnd ?? addInterval(periodStart, resolved.recurring)
    insertItem(writer, subscription.id, resolved, item, periodStart, periodEnd)
  })
  writer.emit("customer.subscription.created", "subscription", subscription)
  const firstPeriodEnd = itemsOf(writer, subscription.id)[0]?.data.current_period_end ?? periodStart
  billPeriod(writer, subscription.data, {
    invoiceId,
    reason: "subscription_create",
    periodStart,
    periodEnd: firstPeriodEnd,
    trial: trialEnd !== null,
    attemptPayment: status !== "incomplete" || behavior !== "default_incomplete"
  })
  adoptCurrency(writer, customer, currency)
  return subscription
}

/** A customer takes the currency of its first subscription or invoice. */
const adoptCurrency = (writer: Writer, customer: Entry<Customer>, currency: string): void => {
  if (customer.data.currency === null) writer.update("customer", customer, { ...customer.data, currency })
}

const CANCELED_EDITABLE = new Set(["metadata", "cancellation_details", "expand"])

export const updateSubscription = (writer: Writer, subscription: Entry<Subscription>, params: SubscriptionUpdateParams): void => {
  const data = subscription.data
  if (data.status === "canceled") {
    const forbidden = Object.entries(params).find(([key, value]) => value !== undefined && !CANCELED_EDITABLE.has(key))
    if (forbidden !== undefined) {
      throw invalidRequest("A canceled subscription can only update its cancellation_details and metadata.", { param: forbidden[0] })
    }
  }
  if (typeof params.default_payment_method === "string" && writer.get("payment_method", params.default_payment_method) === undefined) {
    throw noSuch("PaymentMethod", params.default_payment_method, "default_payment_method", 400)
  }
  const change = writer.track("subscription", subscription)
  if (params.items !== undefined) applyItemChanges(writer, subscription.data, params.items)
  const endTrial = params.trial_end === "now" && data.status === "trialing"
  const cancelAt =
    params.cancel_at_period_end === true
      ? (itemsOf(writer, data.id)[0]?.data.current_period_end ?? null)
      : params.cancel_at_period_end === false
        ? null
        : params.cancel_at
  writer.replaceSilently("subscription", subscription, {
    ...data,
    ...pickDefined(params, ["collection_method", "days_until_due", "default_payment_method", "description", "cancel_at_period_end"]),
    ...(cancelAt === undefined ? {} : { cancel_at: cancelAt }),
    ...(params.pause_collection === undefined ? {} : { pause_collection: params.pause_collection }),
    ...(typeof params.trial_end === "number" ? { trial_end: params.trial_end } : {}),
    ...(endTrial ? { trial_end: writer.now, status: "active" as const } : {}),
    ...(params.cancellation_details === undefined
      ? {}
      : { cancellation_details: { ...cancellationDetails(data), ...params.cancellation_details } }),
    metadata: mergeMetadata(data.metadata, params.metadata)
  })
  change.commit()
}

const cancellationDetails = (data: Subscription): Readonly<Record<string, unknown>> => {
  const details = data["cancellation_details"]
  return typeof details === "object" && details !== null ? { ...details } : { comment: null, feedback: null, reason: null }
}

/** Cancels at once. Stripe announces it as `customer.subscription.deleted`; the object stays. */
export const cancelSubscription = (
  writer: Writer,
  subscription: Entry<Subscription>,
  details: SubscriptionCancelParams["cancellation_details"] = undefined,
  reason: "cancellation_requested" | "payment_failed" = "cancellation_requested"
): void => {
  if (subscription.data.status === "canceled") {
    throw invalidRequest(`This subscription (${subscription.id}) has already been canceled.`, { code: "resource_missing", param: "id" })
  }
  writer.update(
    "subscription",
    subscription,
    {
      ...subscription.data,
      status: "canceled",
      canceled_at: writer.now,
      ended_at: writer.now,
      cancellation_details: { ...cancellationDetails(subscription.data), ...(details ?? {}), reason }
    },
    ["customer.subscription.deleted"],
    null
  )
}

/**
 * The `status` filter of subscription lists, as Stripe documents it: no value leaves out only
 * `canceled` ones (expired ones are listed), `ended` is canceled or `incomplete_expired`, `all` is all.
 */
export const listedByStatus = (filter: string | undefined, status: Subscription["status"]): boolean => {
  if (filter === "all") return true
  if (filter === undefined) return status !== "canceled"
  if (filter === "ended") return status === "canceled" || status === "incomplete_expired"
  return status === filter
}

/** Stripe gives an `incomplete` subscription this long, from its creation, to pay its first invoice. */
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 60 * 60

/**
 * An `incomplete` subscription whose first invoice went unpaid for 23 hours ends as
 * `incomplete_expired`, a terminal status: the open invoice is voided and nothing is billed again.
 * Stripe announces it as `customer.subscription.updated` (not `.deleted`), with `ended_at` set.
 */
export const expireIncompleteSubscription = (writer: Writer, subscription: Entry<Subscription>): void => {
  const invoice = typeof subscription.data.latest_invoice === "string" ? writer.get("invoice", subscription.data.latest_invoice) : undefined
  if (invoice !== undefined && (invoice.data.status === "open" || invoice.data.status === "uncollectible")) voidInvoice(writer, invoice)
  writer.update("subscription", subscription, { ...subscription.data, status: "incomplete_expired", canceled_at: writer.now, ended_at: writer.now })
}

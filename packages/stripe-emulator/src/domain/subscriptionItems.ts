import { Schema } from "effect"
import { invalidRequest, noSuch, parameterMissing } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Plan, Price, Recurring, Subscription, SubscriptionItem } from "../store/Objects.js"
import { build, mergeMetadata } from "./Build.js"
import { itemsOf } from "./billing.js"
import type { Writer } from "./Writer.js"

/** Stripe's limit on items per subscription. */
export const MAX_ITEMS = 20

export const ItemParam = Obj({
  id: optional(Str),
  price: optional(Str),
  plan: optional(Str),
  quantity: optional(Int),
  metadata: optional(Metadata),
  tax_rates: optional(Emptyable(Arr(Str))),
  deleted: optional(Bool),
  clear_usage: optional(Bool)
})
export type ItemParam = typeof ItemParam.Type

const ProrationBehavior = Enum("always_invoice", "create_prorations", "none")

export const SubscriptionItemCreateParams = Schema.Struct({
  subscription: Str,
  price: optional(Str),
  plan: optional(Str),
  quantity: optional(Int),
  metadata: optional(Metadata),
  tax_rates: optional(Emptyable(Arr(Str))),
  proration_behavior: optional(ProrationBehavior),
  payment_behavior: optional(Enum("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")),
  expand: optional(Arr(Str))
})
export type SubscriptionItemCreateParams = typeof SubscriptionItemCreateParams.Type

export const SubscriptionItemUpdateParams = Schema.Struct({
  price: optional(Str),
  plan: optional(Str),
  quantity: optional(Int),
  metadata: optional(Metadata),
  tax_rates: optional(Emptyable(Arr(Str))),
  proration_behavior: optional(ProrationBehavior),
  payment_behavior: optional(Enum("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")),
  off_session: optional(Bool),
  expand: optional(Arr(Str))
})
export type SubscriptionItemUpdateParams = typeof SubscriptionItemUpdateParams.Type

export const SubscriptionItemDeleteParams = Schema.Struct({
  proration_behavior: optional(ProrationBehavior),
  clear_usage: optional(Bool)
})

export interface ResolvedPrice {
  readonly price: Price
  readonly plan: Plan | null
  readonly recurring: Recurring
}

/** The recurring price an item names (`price` or legacy `plan`), or Stripe's error on that parameter. */
export const resolveItemPrice = (writer: Writer, item: { readonly price?: string | undefined; readonly plan?: string | undefined }, prefix: string): ResolvedPrice => {
  const id = item.price ?? item.plan
  const param = prefix === "" ? (item.price === undefined ? "plan" : "price") : `${prefix}[${item.price === undefined ? "plan" : "price"}]`
  if (id === undefined) throw parameterMissing(prefix === "" ? "price" : `${prefix}[price]`)
  const price = writer.get("price", id)
  if (price === undefined) throw noSuch(item.price === undefined ? "plan" : "price", id, param, 400)
  if (price.data.recurring === null) {
    throw invalidRequest("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", { param })
  }
  if (!price.data.active) throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, { param })
  return { price: price.data, plan: writer.get("plan", id)?.data ?? null, recurring: price.data.recurring }
}

export const insertItem = (
  writer: Writer,
  subscriptionId: string,
  resolved: ResolvedPrice,
  params: { readonly quantity?: number | undefined; readonly metadata?: Readonly<Record<string, string>> | null | undefined },
  periodStart: number,
  periodEnd: number
): Entry<SubscriptionItem> => {
  const item = writer.create(
    "subscription_item",
    build("subscription_item", {
      id: writer.ids.short("si"),
      created: writer.now,
      current_period_end: periodEnd,
      current_period_start: periodStart,
      discounts: [],
      metadata: mergeMetadata({}, params.metadata),
      plan: resolved.plan,
      price: resolved.price,
      quantity: params.quantity ?? 1,
      subscription: subscriptionId,
      tax_rates: []
    })
  )
  writer.store.link("subscription.items", subscriptionId, item.id)
  return item
}

const currentPeriod = (writer: Writer, subscription: Subscription): { start: number; end: number } => {
  const first = itemsOf(writer, subscription.id)[0]?.data
  return { start: first?.current_period_start ?? writer.now, end: first?.current_period_end ?? writer.now }
}

/** `items[]` of a subscription update: edit by `id`, delete with `deleted`, add without `id`. */
export const applyItemChanges = (writer: Writer, subscription: Subscription, items: ReadonlyArray<ItemParam>): void => {
  const period = currentPeriod(writer, subscription)
  items.forEach((change, index) => {
    const prefix = `items[${index}]`
    if (change.id === undefined) {
      insertItem(writer, subscription.id, checkedPrice(writer, subscription, change, prefix), change, period.start, period.end)
      return
    }
    const item = writer.get("subscription_item", change.id)
    if (item === undefined || item.data.subscription !== subscription.id) throw noSuch("subscription_item", change.id, `${prefix}[id]`, 400)
    if (change.deleted === true) removeItem(writer, item)
    else editItem(writer, subscription, item, change, prefix)
  })
  requireDistinctPrices(writer, subscription.id)
  const count = itemsOf(writer, subscription.id).length
  if (count > MAX_ITEMS) throw invalidRequest(`You cannot have more than ${MAX_ITEMS} items on a subscription.`, { param: "items" })
  if (count === 0) {
    throw invalidRequest("A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.", { param: "items" })
  }
}

/** Stripe refuses two items with the same price on one subscription. */
export const requireDistinctPrices = (writer: Writer, subscriptionId: string): void => {
  const seen = new Set<string>()
  for (const item of itemsOf(writer, subscriptionId)) {
    if (seen.has(item.data.price.id)) {
      throw invalidRequest(`Cannot add multiple subscription items with the same price: ${item.data.price.id}`, { param: "items" })
    }
    seen.add(item.data.price.id)
  }
}

const checkedPrice = (writer: Writer, subscription: Subscription, change: { readonly price?: string | undefined; readonly plan?: string | undefined }, prefix: string): ResolvedPrice => {
  const resolved = resolveItemPrice(writer, change, prefix)
  if (resolved.price.currency !== subscription.currency) {
    throw invalidRequest("All prices on a subscription must have the same currency.", { param: prefix === "" ? "price" : `${prefix}[price]` })
  }
  return resolved
}

const editItem = (writer: Writer, subscription: Subscription, item: Entry<SubscriptionItem>, change: SubscriptionItemUpdateParams | ItemParam, prefix: string): void => {
  const resolved = change.price === undefined && change.plan === undefined ? undefined : checkedPrice(writer, subscription, change, prefix)
  writer.replaceSilently("subscription_item", item, {
    ...item.data,
    ...(resolved === undefined ? {} : { price: resolved.price, plan: resolved.plan }),
    ...(change.quantity === undefined ? {} : { quantity: change.quantity }),
    metadata: mergeMetadata(item.data.metadata, change.metadata)
  })
}

const removeItem = (writer: Writer, item: Entry<SubscriptionItem>): void => {
  writer.store.unlink("subscription.items", item.id)
  writer.remove("subscription_item", item)
}

const subscriptionOf = (writer: Writer, id: string, param: string): Entry<Subscription> => {
  const subscription = writer.get("subscription", id)
  if (subscription === undefined) throw noSuch("subscription", id, param, 400)
  if (subscription.data.status === "canceled") {
    throw invalidRequest("A canceled subscription's items cannot be changed.", { param })
  }
  return subscription
}

/** Item changes are announced as `customer.subscription.updated`; items have no events of their own. */
export const createSubscriptionItem = (writer: Writer, params: SubscriptionItemCreateParams): Entry<SubscriptionItem> => {
  const subscription = subscriptionOf(writer, params.subscription, "subscription")
  if (itemsOf(writer, subscription.id).length >= MAX_ITEMS) {
    throw invalidRequest(`You cannot have more than ${MAX_ITEMS} items on a subscription.`, { param: "subscription" })
  }
  const change = writer.track("subscription", subscription)
  const period = currentPeriod(writer, subscription.data)
  const resolved = checkedPrice(writer, subscription.data, params, "")
  if (itemsOf(writer, subscription.id).some((existing) => existing.data.price.id === resolved.price.id)) {
    throw invalidRequest(`Cannot add multiple subscription items with the same price: ${resolved.price.id}`, { param: "price" })
  }
  const item = insertItem(writer, subscription.id, resolved, params, period.start, period.end)
  change.commit()
  return item
}

export const updateSubscriptionItem = (writer: Writer, item: Entry<SubscriptionItem>, params: SubscriptionItemUpdateParams): void => {
  const subscription = subscriptionOf(writer, item.data.subscription, "id")
  const change = writer.track("subscription", subscription)
  editItem(writer, subscription.data, item, params, "")
  change.commit()
}

export const deleteSubscriptionItem = (writer: Writer, item: Entry<SubscriptionItem>): void => {
  const subscription = subscriptionOf(writer, item.data.subscription, "id")
  if (itemsOf(writer, subscription.id).length <= 1) {
    throw invalidRequest("A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.")
  }
  const change = writer.track("subscription", subscription)
  removeItem(writer, item)
  change.commit()
}

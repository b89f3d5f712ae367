import { Schema } from "effect"
import { invalidRequest, noSuch, parameterMissing } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Plan, Price, Recurring } from "../store/Objects.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import type { Writer } from "./Writer.js"

export const RecurringParams = Obj({
  interval: Enum("day", "week", "month", "year"),
  interval_count: optional(Int),
  usage_type: optional(Enum("licensed", "metered")),
  trial_period_days: optional(Int),
  meter: optional(Str)
})

export const PriceCreateParams = Schema.Struct({
  currency: Str,
  product: optional(Str),
  product_data: optional(
    Obj({ name: Str, active: optional(Bool), metadata: optional(Metadata), statement_descriptor: optional(Str), tax_code: optional(Str), unit_label: optional(Str), id: optional(Str) })
  ),
  unit_amount: optional(Int),
  recurring: optional(RecurringParams),
  nickname: optional(Str),
  lookup_key: optional(Str),
  transfer_lookup_key: optional(Bool),
  metadata: optional(Metadata),
  active: optional(Bool),
  tax_behavior: optional(Enum("exclusive", "inclusive", "unspecified")),
  billing_scheme: optional(Enum("per_unit", "tiered")),
  expand: optional(Arr(Str))
})
export type PriceCreateParams = typeof PriceCreateParams.Type

export const PriceUpdateParams = Schema.Struct({
  active: optional(Bool),
  metadata: optional(Metadata),
  nickname: optional(Emptyable(Str)),
  lookup_key: optional(Emptyable(Str)),
  transfer_lookup_key: optional(Bool),
  tax_behavior: optional(Enum("exclusive", "inclusive", "unspecified")),
  expand: optional(Arr(Str))
})
export type PriceUpdateParams = typeof PriceUpdateParams.Type

/** Recurring prices are also plans (same id), which is how `/v1/plans` lists them in Stripe. */
export const planFromPrice = (price: Price, recurring: Recurring): Plan =>
  build("plan", {
    id: price.id,
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount === null ? null : String(price.unit_amount),
    billing_scheme: price["billing_scheme"] ?? "per_unit",
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    metadata: price.metadata,
    meter: recurring.meter,
    nickname: price.nickname,
    product: price.product,
    trial_period_days: recurring.trial_period_days,
    usage_type: recurring.usage_type
  })

const requireFreeLookupKey = (writer: Writer, lookupKey: string, transfer: boolean | undefined, except?: string): void => {
  const owner = writer.store.collection("price").values().find((price) => price.data.lookup_key === lookupKey && price.id !== except)
  if (owner === undefined) return
  if (transfer !== true) {
    throw invalidRequest(`A price (\`${owner.id}\`) already uses that lookup key.`, { param: "lookup_key" })
  }
  writer.update("price", owner, { ...owner.data, lookup_key: null })
}

export const createPrice = (writer: Writer, params: PriceCreateParams & { readonly id?: string }): Entry<Price> => {
  const productId = resolveProduct(writer, params)
  if (params.unit_amount === undefined && params.billing_scheme !== "tiered") throw parameterMissing("unit_amount")
  if (params.unit_amount !== undefined && params.unit_amount < 0) {
    throw invalidRequest("This value must be greater than or equal to 0.", { param: "unit_amount", code: "parameter_invalid_integer" })
  }
  if (params.lookup_key !== undefined) requireFreeLookupKey(writer, params.lookup_key, params.transfer_lookup_key)
  const recurring: Recurring | null =
    params.recurring === undefined
      ? null
      : {
          interval: params.recurring.interval,
          interval_count: params.recurring.interval_count ?? 1,
          meter: params.recurring.meter ?? null,
          usage_type: params.recurring.usage_type ?? "licensed",
          trial_period_days: params.recurring.trial_period_days ?? null
        }
  const unitAmount = params.unit_amount ?? null
  const price = writer.create(
    "price",
    build("price", {
      id: params.id ?? writer.ids.long("price"),
      active: params.active ?? true,
      billing_scheme: params.billing_scheme ?? "per_unit",
      created: writer.now,
      currency: params.currency.toLowerCase(),
      lookup_key: params.lookup_key ?? null,
      metadata: mergeMetadata({}, params.metadata),
      nickname: params.nickname ?? null,
      product: productId,
      recurring,
      tax_behavior: params.tax_behavior ?? "unspecified",
      type: recurring === null ? "one_time" : "recurring",
      unit_amount: unitAmount,
      unit_amount_decimal: unitAmount === null ? null : String(unitAmount)
    })
  )
  if (recurring !== null) writer.create("plan", planFromPrice(price.data, recurring))
  return price
}

const resolveProduct = (writer: Writer, params: PriceCreateParams): string => {
  if (params.product !== undefined) {
    if (writer.get("product", params.product) === undefined) throw noSuch("product", params.product, "product", 400)
    return params.product
  }
  const data = params.product_data
  if (data === undefined) throw parameterMissing("product")
  const id = data.id ?? writer.ids.short("prod")
  writer.create(
    "product",
    build("product", {
      id,
      created: writer.now,
      updated: writer.now,
      name: data.name,
      active: data.active ?? true,
      images: [],
      marketing_features: [],
      ...pickDefined(data, ["statement_descriptor", "tax_code", "unit_label"]),
      metadata: mergeMetadata({}, data.metadata)
    })
  )
  return id
}

export const updatePrice = (writer: Writer, price: Entry<Price>, params: PriceUpdateParams): void => {
  if (typeof params.lookup_key === "string") requireFreeLookupKey(writer, params.lookup_key, params.transfer_lookup_key, price.id)
  writer.update("price", price, {
    ...price.data,
    ...pickDefined(params, ["active", "nickname", "lookup_key", "tax_behavior"]),
    metadata: mergeMetadata(price.data.metadata, params.metadata)
  })
  mirrorToPlan(writer, price)
}

/** Keeps a recurring price's plan twin in step (and announces it, as Stripe does). */
export const mirrorToPlan = (writer: Writer, price: Entry<Price>): void => {
  const plan = writer.get("plan", price.id)
  if (plan === undefined || price.data.recurring === null) return
  writer.update("plan", plan, { ...planFromPrice(price.data, price.data.recurring), created: plan.data.created })
}

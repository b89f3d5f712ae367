import { Schema } from "effect"
import { invalidRequest } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Plan } from "../store/Objects.js"
import { mergeMetadata, pickDefined } from "./Build.js"
import { createPrice, planFromPrice } from "./prices.js"
import type { Writer } from "./Writer.js"

export const PlanCreateParams = Schema.Struct({
  id: optional(Str),
  amount: optional(Int),
  currency: Str,
  interval: Enum("day", "week", "month", "year"),
  interval_count: optional(Int),
  product: Schema.Union(Str, Obj({ name: Str, metadata: optional(Metadata), statement_descriptor: optional(Str), unit_label: optional(Str) })),
  nickname: optional(Str),
  metadata: optional(Metadata),
  active: optional(Bool),
  usage_type: optional(Enum("licensed", "metered")),
  trial_period_days: optional(Int),
  billing_scheme: optional(Enum("per_unit", "tiered")),
  expand: optional(Arr(Str))
})
export type PlanCreateParams = typeof PlanCreateParams.Type

export const PlanUpdateParams = Schema.Struct({
  active: optional(Bool),
  metadata: optional(Metadata),
  nickname: optional(Emptyable(Str)),
  product: optional(Str),
  trial_period_days: optional(Int),
  expand: optional(Arr(Str))
})
export type PlanUpdateParams = typeof PlanUpdateParams.Type

/** A plan is created as a recurring price with the same id; both are announced. */
export const createPlan = (writer: Writer, params: PlanCreateParams): Entry<Plan> => {
  if (params.id !== undefined && writer.store.collection("plan").get(params.id) !== undefined) {
    throw invalidRequest("Plan already exists.", { code: "resource_already_exists", param: "id" })
  }
  const price = createPrice(writer, {
    ...(params.id === undefined ? {} : { id: params.id }),
    currency: params.currency,
    ...(typeof params.product === "string" ? { product: params.product } : { product_data: params.product }),
    ...(params.amount === undefined ? {} : { unit_amount: params.amount }),
    ...pickDefined(params, ["nickname", "metadata", "active", "billing_scheme"]),
    recurring: {
      interval: params.interval,
      ...pickDefined(params, ["interval_count", "usage_type", "trial_period_days"])
    }
  })
  const plan = writer.get("plan", price.id)
  if (plan === undefined) throw new Error(`recurring price ${price.id} has no plan twin`)
  return plan
}

export const updatePlan = (writer: Writer, plan: Entry<Plan>, params: PlanUpdateParams): void => {
  const price = writer.get("price", plan.id)
  if (price === undefined || price.data.recurring === null) {
    writer.update("plan", plan, { ...plan.data, ...pickDefined(params, ["active", "nickname", "product", "trial_period_days"]), metadata: mergeMetadata(plan.data.metadata, params.metadata) })
    return
  }
  const recurring = { ...price.data.recurring, ...pickDefined(params, ["trial_period_days"]) }
  writer.update("price", price, {
    ...price.data,
    ...pickDefined(params, ["active", "nickname", "product"]),
    recurring,
    metadata: mergeMetadata(price.data.metadata, params.metadata)
  })
  writer.update("plan", plan, { ...planFromPrice(price.data, recurring), created: plan.data.created })
}

/** Deleting a plan deletes its price twin too: both ids then give 404. */
export const deletePlan = (writer: Writer, plan: Entry<Plan>): void => {
  writer.remove("plan", plan)
  const price = writer.get("price", plan.id)
  if (price !== undefined) writer.remove("price", price)
}

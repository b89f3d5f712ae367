import { Schema } from "effect"
import { invalidRequest } from "../http/StripeError.js"
import { Arr, Decimal, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Coupon } from "../store/Objects.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import type { Writer } from "./Writer.js"

export const CouponCreateParams = Schema.Struct({
  id: optional(Str),
  percent_off: optional(Decimal),
  amount_off: optional(Int),
  currency: optional(Str),
  duration: optional(Enum("forever", "once", "repeating")),
  duration_in_months: optional(Int),
  max_redemptions: optional(Int),
  redeem_by: optional(Int),
  name: optional(Str),
  metadata: optional(Metadata),
  applies_to: optional(Obj({ products: optional(Arr(Str)) })),
  expand: optional(Arr(Str))
})
export type CouponCreateParams = typeof CouponCreateParams.Type

export const CouponUpdateParams = Schema.Struct({
  name: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  expand: optional(Arr(Str))
})
export type CouponUpdateParams = typeof CouponUpdateParams.Type

export const createCoupon = (writer: Writer, params: CouponCreateParams): Entry<Coupon> => {
  if ((params.percent_off === undefined) === (params.amount_off === undefined)) {
    throw invalidRequest("Coupons require either `percent_off` or `amount_off` (but not both).", { param: "percent_off" })
  }
  if (params.amount_off !== undefined && params.currency === undefined) {
    throw invalidRequest("You must pass currency when passing amount_off", { param: "currency" })
  }
  if (params.percent_off !== undefined && (params.percent_off <= 0 || params.percent_off > 100)) {
    throw invalidRequest("percent_off must be between 0 and 100.", { param: "percent_off" })
  }
  const duration = params.duration ?? "once"
  if (duration === "repeating" && params.duration_in_months === undefined) {
    throw invalidRequest("You must pass duration_in_months when duration is repeating", { param: "duration_in_months" })
  }
  const id = params.id ?? writer.ids.couponCode()
  if (writer.store.collection("coupon").get(id) !== undefined) {
    throw invalidRequest("Coupon already exists.", { code: "resource_already_exists", param: "id" })
  }
  return writer.create(
    "coupon",
    build("coupon", {
      id,
      created: writer.now,
      duration,
      ...pickDefined(params, ["percent_off", "amount_off", "duration_in_months", "max_redemptions", "redeem_by", "name"]),
      currency: params.currency?.toLowerCase() ?? null,
      metadata: mergeMetadata({}, params.metadata),
      times_redeemed: 0,
      valid: true
    })
  )
}

export const updateCoupon = (writer: Writer, coupon: Entry<Coupon>, params: CouponUpdateParams): void => {
  writer.update("coupon", coupon, {
    ...coupon.data,
    ...pickDefined(params, ["name"]),
    metadata: mergeMetadata(coupon.data.metadata, params.metadata)
  })
}

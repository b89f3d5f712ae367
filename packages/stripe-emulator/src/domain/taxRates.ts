import { Schema } from "effect"
import { Arr, Bool, Decimal, Emptyable, Enum, Metadata, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { TaxRate } from "../store/Objects.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import type { Writer } from "./Writer.js"

const TaxType = Enum(
  "amusement_tax",
  "communications_tax",
  "gst",
  "hst",
  "igst",
  "jct",
  "lease_tax",
  "pst",
  "qst",
  "retail_delivery_fee",
  "rst",
  "sales_tax",
  "service_tax",
  "vat"
)

const TaxRateFields = {
  active: optional(Bool),
  country: optional(Emptyable(Str)),
  description: optional(Emptyable(Str)),
  jurisdiction: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  state: optional(Emptyable(Str)),
  tax_type: optional(Emptyable(TaxType)),
  expand: optional(Arr(Str))
}

export const TaxRateCreateParams = Schema.Struct({ ...TaxRateFields, display_name: Str, percentage: Decimal, inclusive: Bool })
export type TaxRateCreateParams = typeof TaxRateCreateParams.Type

export const TaxRateUpdateParams = Schema.Struct({ ...TaxRateFields, display_name: optional(Str) })
export type TaxRateUpdateParams = typeof TaxRateUpdateParams.Type

const PLAIN = ["active", "country", "description", "jurisdiction", "state", "tax_type"] as const

export const createTaxRate = (writer: Writer, params: TaxRateCreateParams): Entry<TaxRate> =>
  writer.create(
    "tax_rate",
    build("tax_rate", {
      id: writer.ids.long("txr"),
      active: true,
      country: null,
      jurisdiction: null,
      tax_type: null,
      created: writer.now,
      display_name: params.display_name,
      percentage: params.percentage,
      effective_percentage: params.percentage,
      inclusive: params.inclusive,
      ...pickDefined(params, PLAIN),
      metadata: mergeMetadata({}, params.metadata)
    })
  )

/** Percentage and inclusivity are fixed once created, as in Stripe. */
export const updateTaxRate = (writer: Writer, rate: Entry<TaxRate>, params: TaxRateUpdateParams): void => {
  writer.update("tax_rate", rate, {
    ...rate.data,
    ...pickDefined(params, [...PLAIN, "display_name"]),
    metadata: mergeMetadata(rate.data.metadata, params.metadata)
  })
}

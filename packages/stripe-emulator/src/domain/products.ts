import { Schema } from "effect"
import { invalidRequest, noSuch } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Product } from "../store/Objects.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import { createPrice, RecurringParams } from "./prices.js"
import type { Writer } from "./Writer.js"

const ProductFields = {
  active: optional(Bool),
  description: optional(Emptyable(Str)),
  images: optional(Emptyable(Arr(Str))),
  metadata: optional(Metadata),
  shippable: optional(Bool),
  statement_descriptor: optional(Emptyable(Str)),
  tax_code: optional(Emptyable(Str)),
  unit_label: optional(Emptyable(Str)),
  url: optional(Emptyable(Str)),
  marketing_features: optional(Emptyable(Arr(Obj({ name: Str })))),
  expand: optional(Arr(Str))
}

export const ProductCreateParams = Schema.Struct({
  ...ProductFields,
  name: Str,
  id: optional(Str),
  type: optional(Enum("good", "service")),
  default_price_data: optional(
    Obj({
      currency: Str,
      unit_amount: optional(Int),
      recurring: optional(RecurringParams),
      tax_behavior: optional(Enum("exclusive", "inclusive", "unspecified")),
      metadata: optional(Metadata)
    })
  )
})
export type ProductCreateParams = typeof ProductCreateParams.Type

export const ProductUpdateParams = Schema.Struct({ ...ProductFields, name: optional(Str), default_price: optional(Str) })
export type ProductUpdateParams = typeof ProductUpdateParams.Type

const PLAIN = ["active", "description", "shippable", "statement_descriptor", "tax_code", "unit_label", "url"] as const

export const createProduct = (writer: Writer, params: ProductCreateParams): Entry<Product> => {
  if (params.id !== undefined && writer.store.collection("product").get(params.id) !== undefined) {
    throw invalidRequest(`Product already exists.`, { code: "resource_already_exists", param: "id" })
  }
  const product = writer.create(
    "product",
    build("product", {
      id: params.id ?? writer.ids.short("prod"),
      created: writer.now,
      updated: writer.now,
      name: params.name,
      type: params.type ?? "service",
      images: params.images ?? [],
      marketing_features: params.marketing_features ?? [],
      ...pickDefined(params, PLAIN),
      metadata: mergeMetadata({}, params.metadata)
    }),
    null
  )
  const priceData = params.default_price_data
  if (priceData !== undefined) {
    const price = createPrice(writer, { ...priceData, product: product.id })
    writer.replaceSilently("product", product, { ...product.data, default_price: price.id })
  }
  // Announced once complete, so `product.created` already names its default price.
  writer.emit("product.created", "product", product)
  return product
}

export const updateProduct = (writer: Writer, product: Entry<Product>, params: ProductUpdateParams): void => {
  if (params.default_price !== undefined) {
    const price = writer.get("price", params.default_price)
    if (price === undefined || price.data.product !== product.id) throw noSuch("price", params.default_price, "default_price", 400)
  }
  writer.update("product", product, {
    ...product.data,
    ...pickDefined(params, [...PLAIN, "name", "default_price"]),
    ...(params.images === undefined ? {} : { images: params.images ?? [] }),
    ...(params.marketing_features === undefined ? {} : { marketing_features: params.marketing_features ?? [] }),
    metadata: mergeMetadata(product.data.metadata, params.metadata),
    updated: writer.now
  })
}

/** Like Stripe, a product with prices cannot be deleted (archive it with `active=false`). */
export const deleteProduct = (writer: Writer, product: Entry<Product>): void => {
  const prices = writer.store.collection("price").values()
  if (prices.some((price) => price.data.product === product.id)) {
    throw invalidRequest("This product cannot be deleted because it has one or more user-created prices.", {
      code: "product_has_prices"
    })
  }
  writer.remove("product", product)
}

import { Schema } from "effect"
import { CouponCreateParams, CouponUpdateParams, createCoupon, updateCoupon } from "../domain/coupons.js"
import { createPlan, deletePlan, PlanCreateParams, PlanUpdateParams, updatePlan } from "../domain/plans.js"
import { createPrice, PriceCreateParams, PriceUpdateParams, updatePrice } from "../domain/prices.js"
import { createProduct, deleteProduct, ProductCreateParams, ProductUpdateParams, updateProduct } from "../domain/products.js"
import { createTaxRate, TaxRateCreateParams, TaxRateUpdateParams, updateTaxRate } from "../domain/taxRates.js"
import { Arr, Bool, Enum, ListFields, Obj, optional, Str } from "../params/Form.js"
import { pathParam } from "./ApiRequest.js"
import { retrieveLive } from "./Lookup.js"
import { deletedReply, listRoute, PlainList, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"

const Expand = Schema.Struct({ expand: optional(Arr(Str)) })

const ProductList = Schema.Struct({ ...ListFields, active: optional(Bool), ids: optional(Arr(Str)), shippable: optional(Bool), url: optional(Str) })
const PriceList = Schema.Struct({
  ...ListFields,
  active: optional(Bool),
  currency: optional(Str),
  product: optional(Str),
  type: optional(Enum("one_time", "recurring")),
  lookup_keys: optional(Arr(Str)),
  recurring: optional(Obj({ interval: optional(Enum("day", "week", "month", "year")), usage_type: optional(Enum("licensed", "metered")), meter: optional(Str) }))
})
const PlanList = Schema.Struct({ ...ListFields, active: optional(Bool), product: optional(Str) })
const TaxRateList = Schema.Struct({ ...ListFields, active: optional(Bool), inclusive: optional(Bool) })

export const catalogRoutes = (router: ApiRouter): void => {
  router
    .add("POST", "/v1/products", withParams(ProductCreateParams, (request, params) =>
      reply(request, "product", createProduct(request.writer(), params), params.expand)))
    .add("GET", "/v1/products", listRoute("product", ProductList, (params) => (entry) =>
      (params.active === undefined || entry.data.active === params.active) &&
      (params.ids === undefined || params.ids.includes(entry.id)) &&
      (params.shippable === undefined || entry.data["shippable"] === params.shippable) &&
      (params.url === undefined || entry.data["url"] === params.url)))
    .add("GET", "/v1/products/:id", retrieveRoute("product"))
    .add("POST", "/v1/products/:id", withParams(ProductUpdateParams, (request, params) => {
      const product = retrieveLive(request.account, "product", pathParam(request))
      updateProduct(request.writer(), product, params)
      return reply(request, "product", product, params.expand)
    }))
    .add("DELETE", "/v1/products/:id", withParams(Expand, (request) => {
      const product = retrieveLive(request.account, "product", pathParam(request))
      deleteProduct(request.writer(), product)
      return deletedReply(product.id, "product")
    }))

    .add("POST", "/v1/prices", withParams(PriceCreateParams, (request, params) =>
      reply(request, "price", createPrice(request.writer(), params), params.expand)))
    .add("GET", "/v1/prices", listRoute("price", PriceList, (params) => (entry) =>
      (params.active === undefined || entry.data.active === params.active) &&
      (params.currency === undefined || entry.data.currency === params.currency.toLowerCase()) &&
      (params.product === undefined || entry.data.product === params.product) &&
      (params.type === undefined || entry.data.type === params.type) &&
      (params.lookup_keys === undefined || (entry.data.lookup_key !== null && params.lookup_keys.includes(entry.data.lookup_key))) &&
      (params.recurring?.interval === undefined || entry.data.recurring?.interval === params.recurring.interval) &&
      (params.recurring?.usage_type === undefined || entry.data.recurring?.usage_type === params.recurring.usage_type)))
    .add("GET", "/v1/prices/:id", retrieveRoute("price"))
    .add("POST", "/v1/prices/:id", withParams(PriceUpdateParams, (request, params) => {
      const price = retrieveLive(request.account, "price", pathParam(request))
      updatePrice(request.writer(), price, params)
      return reply(request, "price", price, params.expand)
    }))

    .add("POST", "/v1/plans", withParams(PlanCreateParams, (request, params) =>
      reply(request, "plan", createPlan(request.writer(), params), params.expand)))
    .add("GET", "/v1/plans", listRoute("plan", PlanList, (params) => (entry) =>
      (params.active === undefined || entry.data.active === params.active) &&
      (params.product === undefined || entry.data.product === params.product)))
    .add("GET", "/v1/plans/:id", retrieveRoute("plan"))
    .add("POST", "/v1/plans/:id", withParams(PlanUpdateParams, (request, params) => {
      const plan = retrieveLive(request.account, "plan", pathParam(request))
      updatePlan(request.writer(), plan, params)
      return reply(request, "plan", plan, params.expand)
    }))
    .add("DELETE", "/v1/plans/:id", withParams(Expand, (request) => {
      const plan = retrieveLive(request.account, "plan", pathParam(request))
      deletePlan(request.writer(), plan)
      return deletedReply(plan.id, "plan")
    }))

    .add("POST", "/v1/coupons", withParams(CouponCreateParams, (request, params) =>
      reply(request, "coupon", createCoupon(request.writer(), params), params.expand)))
    .add("GET", "/v1/coupons", listRoute("coupon", PlainList))
    .add("GET", "/v1/coupons/:id", retrieveRoute("coupon"))
    .add("POST", "/v1/coupons/:id", withParams(CouponUpdateParams, (request, params) => {
      const coupon = retrieveLive(request.account, "coupon", pathParam(request))
      updateCoupon(request.writer(), coupon, params)
      return reply(request, "coupon", coupon, params.expand)
    }))
    .add("DELETE", "/v1/coupons/:id", withParams(Expand, (request) => {
      const coupon = retrieveLive(request.account, "coupon", pathParam(request))
      request.writer().remove("coupon", coupon)
      return deletedReply(coupon.id, "coupon")
    }))

    .add("POST", "/v1/tax_rates", withParams(TaxRateCreateParams, (request, params) =>
      reply(request, "tax_rate", createTaxRate(request.writer(), params), params.expand)))
    .add("GET", "/v1/tax_rates", listRoute("tax_rate", TaxRateList, (params) => (entry) =>
      (params.active === undefined || entry.data.active === params.active) &&
      (params.inclusive === undefined || entry.data.inclusive === params.inclusive)))
    .add("GET", "/v1/tax_rates/:id", retrieveRoute("tax_rate"))
    .add("POST", "/v1/tax_rates/:id", withParams(TaxRateUpdateParams, (request, params) => {
      const rate = retrieveLive(request.account, "tax_rate", pathParam(request))
      updateTaxRate(request.writer(), rate, params)
      return reply(request, "tax_rate", rate, params.expand)
    }))
}

import { Schema } from "effect"
import {
  attachPaymentMethod,
  createPaymentMethod,
  detachPaymentMethod,
  PaymentMethodCreateParams,
  PaymentMethodUpdateParams,
  updatePaymentMethod
} from "../domain/paymentMethods.js"
import {
  cancelSetupIntent,
  confirmSetupIntent,
  createSetupIntent,
  SetupIntentCreateParams,
  SetupIntentUpdateParams,
  updateSetupIntent
} from "../domain/setupIntents.js"
import { noSuch } from "../http/StripeError.js"
import { Arr, Enum, ListFields, optional, Str } from "../params/Form.js"
import { pathParam } from "./ApiRequest.js"
import { retrieveLive } from "./Lookup.js"
import { listRoute, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"

const Expand = Schema.Struct({ expand: optional(Arr(Str)) })
const AttachParams = Schema.Struct({ customer: Str, expand: optional(Arr(Str)) })
const PaymentMethodList = Schema.Struct({ ...ListFields, customer: optional(Str), type: optional(Str) })
const SetupIntentList = Schema.Struct({ ...ListFields, customer: optional(Str), payment_method: optional(Str), attach_to_self: optional(Str) })
const ConfirmParams = Schema.Struct({ payment_method: optional(Str), return_url: optional(Str), expand: optional(Arr(Str)) })
const CancelParams = Schema.Struct({ cancellation_reason: optional(Enum("abandoned", "duplicate", "requested_by_customer")), expand: optional(Arr(Str)) })

export const walletRoutes = (router: ApiRouter): void => {
  router
    .add("POST", "/v1/payment_methods", withParams(PaymentMethodCreateParams, (request, params) =>
      reply(request, "payment_method", createPaymentMethod(request.writer(), params), params.expand)))
    // As in Stripe, the account-level list holds the payment methods no customer holds
    // ("for Treasury flows"); a customer's are listed with `customer=` or under the customer.
    .add("GET", "/v1/payment_methods", listRoute("payment_method", PaymentMethodList, (params) => (entry) =>
      (params.customer === undefined ? entry.data.customer == null : entry.data.customer === params.customer) &&
      (params.type === undefined || entry.data.type === params.type)))
    .add("GET", "/v1/payment_methods/:id", retrieveRoute("payment_method"))
    .add("POST", "/v1/payment_methods/:id", withParams(PaymentMethodUpdateParams, (request, params) => {
      const method = retrieveLive(request.account, "payment_method", pathParam(request))
      updatePaymentMethod(request.writer(), method, params)
      return reply(request, "payment_method", method, params.expand)
    }))
    .add("POST", "/v1/payment_methods/:id/attach", withParams(AttachParams, (request, params) => {
      const writer = request.writer()
      if (writer.get("customer", params.customer) === undefined) throw noSuch("customer", params.customer, "customer", 400)
      const method = attachPaymentMethod(writer, pathParam(request), params.customer, "payment_method")
      return reply(request, "payment_method", method, params.expand)
    }))
    .add("POST", "/v1/payment_methods/:id/detach", withParams(Expand, (request, params) => {
      const method = retrieveLive(request.account, "payment_method", pathParam(request))
      detachPaymentMethod(request.writer(), method)
      return reply(request, "payment_method", method, params.expand)
    }))

    .add("POST", "/v1/setup_intents", withParams(SetupIntentCreateParams, (request, params) =>
      reply(request, "setup_intent", createSetupIntent(request.writer(), params), params.expand)))
    .add("GET", "/v1/setup_intents", listRoute("setup_intent", SetupIntentList, (params) => (entry) =>
      (params.customer === undefined || entry.data.customer === params.customer) &&
      (params.payment_method === undefined || entry.data.payment_method === params.payment_method)))
    .add("GET", "/v1/setup_intents/:id", retrieveRoute("setup_intent"))
    .add("POST", "/v1/setup_intents/:id", withParams(SetupIntentUpdateParams, (request, params) => {
      const intent = retrieveLive(request.account, "setup_intent", pathParam(request))
      updateSetupIntent(request.writer(), intent, params)
      return reply(request, "setup_intent", intent, params.expand)
    }))
    .add("POST", "/v1/setup_intents/:id/confirm", withParams(ConfirmParams, (request, params) => {
      const intent = retrieveLive(request.account, "setup_intent", pathParam(request))
      confirmSetupIntent(request.writer(), intent, params.payment_method)
      return reply(request, "setup_intent", intent, params.expand)
    }))
    .add("POST", "/v1/setup_intents/:id/cancel", withParams(CancelParams, (request, params) => {
      const intent = retrieveLive(request.account, "setup_intent", pathParam(request))
      cancelSetupIntent(request.writer(), intent, params.cancellation_reason)
      return reply(request, "setup_intent", intent, params.expand)
    }))
}

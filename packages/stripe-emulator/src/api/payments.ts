import { Schema } from "effect"
import { captureCharge, createCharge, requireChargeableAmount } from "../domain/charges.js"
import { closeDispute, DisputeUpdateParams, updateDispute } from "../domain/disputes.js"
import {
  cancelPaymentIntent,
  CANCELLATION_REASONS,
  capturePaymentIntent,
  confirmPaymentIntent,
  createPaymentIntent,
  PaymentIntentConfirmParams,
  PaymentIntentCreateParams,
  PaymentIntentUpdateParams,
  updatePaymentIntent
} from "../domain/paymentIntents.js"
import { defaultPaymentMethodOf, resolvePaymentMethod } from "../domain/paymentMethods.js"
import { RefundCreateParams, refundCharge, RefundUpdateParams, updateRefund } from "../domain/refunds.js"
import { invalidRequest, noSuch } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, ListFields, Metadata, Obj, optional, Str } from "../params/Form.js"
import { mergeMetadata, pickDefined } from "../domain/Build.js"
import { pathParam } from "./ApiRequest.js"
import { retrieve, retrieveLive } from "./Lookup.js"
import { nestedListRoute } from "./NestedLists.js"
import { listRoute, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"

const Expand = Schema.Struct({ expand: optional(Arr(Str)) })

const ChargeCreateParams = Schema.Struct({
  amount: Int,
  currency: Str,
  customer: optional(Str),
  source: optional(Str),
  description: optional(Str),
  metadata: optional(Metadata),
  capture: optional(Bool),
  receipt_email: optional(Str),
  statement_descriptor: optional(Str),
  statement_descriptor_suffix: optional(Str),
  transfer_group: optional(Str),
  expand: optional(Arr(Str))
})
const ChargeUpdateParams = Schema.Struct({
  description: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  receipt_email: optional(Emptyable(Str)),
  fraud_details: optional(Obj({ user_report: Emptyable(Enum("fraudulent", "safe")) })),
  transfer_group: optional(Str),
  expand: optional(Arr(Str))
})
const CaptureParams = Schema.Struct({ amount: optional(Int), amount_to_capture: optional(Int), expand: optional(Arr(Str)) })
const CancelParams = Schema.Struct({ cancellation_reason: optional(Enum(...CANCELLATION_REASONS)), expand: optional(Arr(Str)) })
const ChargeList = Schema.Struct({ ...ListFields, customer: optional(Str), payment_intent: optional(Str), transfer_group: optional(Str) })
const RefundList = Schema.Struct({ ...ListFields, charge: optional(Str), payment_intent: optional(Str) })
const PaymentIntentList = Schema.Struct({ ...ListFields, customer: optional(Str) })
const DisputeList = Schema.Struct({ ...ListFields, charge: optional(Str), payment_intent: optional(Str) })

export const paymentRoutes = (router: ApiRouter): void => {
  router
    .add("POST", "/v1/charges", withParams(ChargeCreateParams, (request, params) => {
      const writer = request.writer()
      requireChargeableAmount(params.amount, params.currency)
      if (params.customer !== undefined && writer.get("customer", params.customer) === undefined) throw noSuch("customer", params.customer, "customer", 400)
      const method =
        params.source !== undefined
          ? resolvePaymentMethod(writer, params.source, "source")
          : params.customer !== undefined
            ? defaultPaymentMethodOf(writer, params.customer)
            : undefined
      if (method === undefined) {
        throw params.customer === undefined
          ? invalidRequest("Must provide source or customer.", { param: "source", code: "parameter_missing" })
          : invalidRequest("Cannot charge a customer that has no active card", { param: "card", code: "missing" })
      }
      const result = createCharge(writer, {
        amount: params.amount,
        currency: params.currency.toLowerCase(),
        customer: params.customer ?? null,
        paymentMethod: method,
        paymentIntent: null,
        description: params.description ?? null,
        metadata: params.metadata,
        capture: params.capture ?? true,
        receiptEmail: params.receipt_email
      })
      if (result.kind === "failed") throw result.error
      return reply(request, "charge", result.charge, params.expand)
    }))
    .add("GET", "/v1/charges", listRoute("charge", ChargeList, (params) => (entry) =>
      (params.customer === undefined || entry.data.customer === params.customer) &&
      (params.payment_intent === undefined || entry.data.payment_intent === params.payment_intent) &&
      (params.transfer_group === undefined || entry.data["transfer_group"] === params.transfer_group)))
    .add("GET", "/v1/charges/:id", retrieveRoute("charge"))
    .add("POST", "/v1/charges/:id", withParams(ChargeUpdateParams, (request, params) => {
      const charge = retrieveLive(request.account, "charge", pathParam(request))
      request.writer().update("charge", charge, {
        ...charge.data,
        ...pickDefined(params, ["description", "receipt_email", "transfer_group"]),
        ...(params.fraud_details === undefined ? {} : { fraud_details: params.fraud_details.user_report === null ? {} : { user_report: params.fraud_details.user_report } }),
        metadata: mergeMetadata(charge.data.metadata, params.metadata)
      })
      return reply(request, "charge", charge, params.expand)
    }))
    .add("POST", "/v1/charges/:id/capture", withParams(CaptureParams, (request, params) => {
      const charge = retrieveLive(request.account, "charge", pathParam(request))
      captureCharge(request.writer(), charge, params.amount)
      return reply(request, "charge", charge, params.expand)
    }))
    .add("GET", "/v1/charges/:id/refunds", nestedListRoute("charge.refunds"))
    .add("GET", "/v1/charges/:id/refunds/:refund", withParams(Expand, (request, params) => {
      const charge = retrieve(request.account, "charge", pathParam(request))
      const refund = retrieve(request.account, "refund", pathParam(request, 1))
      if (refund.data.charge !== charge.id) throw noSuch("refund", refund.id, "id")
      return reply(request, "refund", refund, params.expand)
    }))

    .add("POST", "/v1/refunds", withParams(RefundCreateParams, (request, params) => {
      const writer = request.writer()
      let chargeId = params.charge
      if (chargeId === undefined && params.payment_intent !== undefined) {
        const intent = writer.get("payment_intent", params.payment_intent)
        if (intent === undefined) throw noSuch("payment_intent", params.payment_intent, "payment_intent", 400)
        chargeId = intent.data.latest_charge ?? undefined
        if (chargeId === undefined) throw invalidRequest("This PaymentIntent does not have a successful charge to refund.", { param: "payment_intent" })
      }
      if (chargeId === undefined) throw invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", { param: "charge" })
      const charge = writer.get("charge", chargeId)
      if (charge === undefined) throw noSuch("charge", chargeId, "charge", 400)
      return reply(request, "refund", refundCharge(writer, charge, params), params.expand)
    }))
    .add("GET", "/v1/refunds", listRoute("refund", RefundList, (params) => (entry) =>
      (params.charge === undefined || entry.data.charge === params.charge) &&
      (params.payment_intent === undefined || entry.data.payment_intent === params.payment_intent)))
    .add("GET", "/v1/refunds/:id", retrieveRoute("refund"))
    .add("POST", "/v1/refunds/:id", withParams(RefundUpdateParams, (request, params) => {
      const refund = retrieveLive(request.account, "refund", pathParam(request))
      updateRefund(request.writer(), refund, params)
      return reply(request, "refund", refund, params.expand)
    }))
    .add("POST", "/v1/refunds/:id/cancel", withParams(Expand, (request) => {
      const refund = retrieveLive(request.account, "refund", pathParam(request))
      throw invalidRequest(`Refund ${refund.id} cannot be canceled because it has a status of ${refund.data.status}. Only refunds with a status of requires_action can be canceled.`, {
        code: "refund_unexpected_state"
      })
    }))

    .add("POST", "/v1/payment_intents", withParams(PaymentIntentCreateParams, (request, params) =>
      reply(request, "payment_intent", createPaymentIntent(request.writer(), params), params.expand)))
    .add("GET", "/v1/payment_intents", listRoute("payment_intent", PaymentIntentList, (params) =>
      params.customer === undefined ? undefined : (entry) => entry.data.customer === params.customer))
    .add("GET", "/v1/payment_intents/:id", retrieveRoute("payment_intent"))
    .add("POST", "/v1/payment_intents/:id", withParams(PaymentIntentUpdateParams, (request, params) => {
      const intent = retrieveLive(request.account, "payment_intent", pathParam(request))
      updatePaymentIntent(request.writer(), intent, params)
      return reply(request, "payment_intent", intent, params.expand)
    }))
    .add("POST", "/v1/payment_intents/:id/confirm", withParams(PaymentIntentConfirmParams, (request, params) => {
      const intent = retrieveLive(request.account, "payment_intent", pathParam(request))
      confirmPaymentIntent(request.writer(), intent, params)
      return reply(request, "payment_intent", intent, params.expand)
    }))
    .add("POST", "/v1/payment_intents/:id/capture", withParams(CaptureParams, (request, params) => {
      const intent = retrieveLive(request.account, "payment_intent", pathParam(request))
      capturePaymentIntent(request.writer(), intent, params.amount_to_capture)
      return reply(request, "payment_intent", intent, params.expand)
    }))
    .add("POST", "/v1/payment_intents/:id/cancel", withParams(CancelParams, (request, params) => {
      const intent = retrieveLive(request.account, "payment_intent", pathParam(request))
      cancelPaymentIntent(request.writer(), intent, params.cancellation_reason)
      return reply(request, "payment_intent", intent, params.expand)
    }))

    .add("GET", "/v1/disputes", listRoute("dispute", DisputeList, (params) => (entry) =>
      (params.charge === undefined || entry.data.charge === params.charge) &&
      (params.payment_intent === undefined || entry.data["payment_intent"] === params.payment_intent)))
    .add("GET", "/v1/disputes/:id", retrieveRoute("dispute"))
    .add("POST", "/v1/disputes/:id", withParams(DisputeUpdateParams, (request, params) => {
      const dispute = retrieveLive(request.account, "dispute", pathParam(request))
      updateDispute(request.writer(), dispute, params)
      return reply(request, "dispute", dispute, params.expand)
    }))
    .add("POST", "/v1/disputes/:id/close", withParams(Expand, (request, params) => {
      const dispute = retrieveLive(request.account, "dispute", pathParam(request))
      closeDispute(request.writer(), dispute)
      return reply(request, "dispute", dispute, params.expand)
    }))
}

import { Schema } from "effect"
import { invalidRequest, StripeError } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { PaymentIntent } from "../store/Objects.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import { captureCharge, createCharge, requireChargeableAmount } from "./charges.js"
import { resolvePaymentMethod } from "./paymentMethods.js"
import type { Writer } from "./Writer.js"

const CaptureMethod = Enum("automatic", "automatic_async", "manual")

export const PaymentIntentCreateParams = Schema.Struct({
  amount: Int,
  currency: Str,
  customer: optional(Str),
  payment_method: optional(Str),
  confirm: optional(Bool),
  capture_method: optional(CaptureMethod),
  confirmation_method: optional(Enum("automatic", "manual")),
  description: optional(Str),
  metadata: optional(Metadata),
  automatic_payment_methods: optional(Obj({ enabled: Bool, allow_redirects: optional(Enum("always", "never")) })),
  payment_method_types: optional(Arr(Str)),
  receipt_email: optional(Str),
  setup_future_usage: optional(Enum("off_session", "on_session")),
  statement_descriptor: optional(Str),
  statement_descriptor_suffix: optional(Str),
  off_session: optional(Bool),
  return_url: optional(Str),
  expand: optional(Arr(Str))
})
export type PaymentIntentCreateParams = typeof PaymentIntentCreateParams.Type

export const PaymentIntentUpdateParams = Schema.Struct({
  amount: optional(Int),
  currency: optional(Str),
  customer: optional(Str),
  payment_method: optional(Str),
  description: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  receipt_email: optional(Emptyable(Str)),
  setup_future_usage: optional(Emptyable(Enum("off_session", "on_session"))),
  statement_descriptor: optional(Emptyable(Str)),
  capture_method: optional(CaptureMethod),
  expand: optional(Arr(Str))
})
export type PaymentIntentUpdateParams = typeof PaymentIntentUpdateParams.Type

export const PaymentIntentConfirmParams = Schema.Struct({
  payment_method: optional(Str),
  receipt_email: optional(Str),
  return_url: optional(Str),
  off_session: optional(Bool),
  capture_method: optional(CaptureMethod),
  expand: optional(Arr(Str))
})
export type PaymentIntentConfirmParams = typeof PaymentIntentConfirmParams.Type

export const createPaymentIntent = (writer: Writer, params: PaymentIntentCreateParams): Entry<PaymentIntent> => {
  requireChargeableAmount(params.amount, params.currency)
  if (params.customer !== undefined && writer.get("customer", params.customer) === undefined) {
    throw invalidRequest(`No such customer: '${params.customer}'`, { code: "resource_missing", param: "customer" })
  }
  const method = params.payment_method === undefined ? undefined : resolvePaymentMethod(writer, params.payment_method, "payment_method")
  const id = writer.ids.long("pi")
  const intent = writer.create(
    "payment_intent",
    build("payment_intent", {
      id,
      amount: params.amount,
      capture_method: params.capture_method ?? "automatic_async",
      client_secret: `${id}_secret_${writer.ids.secret(25)}`,
      confirmation_method: params.confirmation_method ?? "automatic",
      created: writer.now,
      currency: params.currency.toLowerCase(),
      customer: params.customer ?? null,
      description: params.description ?? null,
      metadata: mergeMetadata({}, params.metadata),
      payment_method: method?.id ?? null,
      payment_method_types: params.payment_method_types ?? ["card"],
      receipt_email: params.receipt_email ?? null,
      setup_future_usage: params.setup_future_usage ?? null,
      statement_descriptor: params.statement_descriptor ?? null,
      status: method === undefined ? "requires_payment_method" : "requires_confirmation",
      automatic_payment_methods: params.automatic_payment_methods === undefined ? null : { enabled: params.automatic_payment_methods.enabled }
    })
  )
  if (params.confirm === true) confirmPaymentIntent(writer, intent, {})
  return intent
}

const unexpectedState = (intent: PaymentIntent, action: string) =>
  invalidRequest(
    `This PaymentIntent's ${action} could not be performed because it has a status of ${intent.status}.`,
    { code: "payment_intent_unexpected_state" }
  )

/** Charges the intent's card; a decline records `payment_intent.payment_failed` and throws the 402. */
export const confirmPaymentIntent = (writer: Writer, intent: Entry<PaymentIntent>, params: PaymentIntentConfirmParams): void => {
  const { status } = intent.data
  if (status !== "requires_payment_method" && status !== "requires_confirmation" && status !== "requires_action") {
    throw unexpectedState(intent.data, "confirm")
  }
  const methodId = params.payment_method ?? intent.data.payment_method
  if (methodId === null) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus_, you must provide a payment_method.",
      { code: "payment_intent_unexpected_state" }
    )
  }
  const method = resolvePaymentMethod(writer, methodId, "payment_method")
  const captureMethod = params.capture_method ?? intent.data.capture_method
  const result = createCharge(writer, {
    amount: intent.data.amount,
    currency: intent.data.currency,
    customer: intent.data.customer,
    paymentMethod: method,
    paymentIntent: intent.id,
    description: typeof intent.data["description"] === "string" ? intent.data["description"] : null,
    capture: captureMethod !== "manual",
    receiptEmail: params.receipt_email
  })
  if (result.kind === "failed") {
    writer.update(
      "payment_intent",
      intent,
      {
        ...intent.data,
        payment_method: null,
        latest_charge: result.charge.id,
        status: "requires_payment_method",
        last_payment_error: { ...result.error.toJSON().error, payment_method: method.data }
      },
      ["payment_intent.payment_failed"]
    )
    throw result.error
  }
  const captured = captureMethod !== "manual"
  writer.update(
    "payment_intent",
    intent,
    {
      ...intent.data,
      capture_method: captureMethod,
      payment_method: method.id,
      latest_charge: result.charge.id,
      amount_received: captured ? intent.data.amount : 0,
      amount_capturable: captured ? 0 : intent.data.amount,
      status: captured ? "succeeded" : "requires_capture"
    },
    [captured ? "payment_intent.succeeded" : "payment_intent.amount_capturable_updated"]
  )
}

export const capturePaymentIntent = (writer: Writer, intent: Entry<PaymentIntent>, amountToCapture: number | undefined): void => {
  if (intent.data.status !== "requires_capture" || intent.data.latest_charge === null) throw unexpectedState(intent.data, "capture")
  const charge = writer.get("charge", intent.data.latest_charge)
  if (charge === undefined) throw unexpectedState(intent.data, "capture")
  captureCharge(writer, charge, amountToCapture)
  writer.update(
    "payment_intent",
    intent,
    { ...intent.data, amount_received: amountToCapture ?? intent.data.amount, amount_capturable: 0, status: "succeeded" },
    ["payment_intent.succeeded"]
  )
}

export const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] as const

export const cancelPaymentIntent = (writer: Writer, intent: Entry<PaymentIntent>, reason: string | undefined): void => {
  if (intent.data.status === "succeeded" || intent.data.status === "canceled") {
    throw invalidRequest(
      `You cannot cancel this PaymentIntent because it has a status of ${intent.data.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
      { code: "payment_intent_unexpected_state" }
    )
  }
  writer.update(
    "payment_intent",
    intent,
    { ...intent.data, status: "canceled", canceled_at: writer.now, cancellation_reason: reason ?? null, amount_capturable: 0 },
    ["payment_intent.canceled"]
  )
}

/** Stripe has no `payment_intent.updated` event: these edits are silent, as there. */
export const updatePaymentIntent = (writer: Writer, intent: Entry<PaymentIntent>, params: PaymentIntentUpdateParams): void => {
  if (intent.data.status === "succeeded" || intent.data.status === "canceled") {
    if (params.amount !== undefined || params.currency !== undefined || params.payment_method !== undefined) {
      throw unexpectedState(intent.data, "update")
    }
  }
  if (params.amount !== undefined) requireChargeableAmount(params.amount, params.currency ?? intent.data.currency)
  const method = params.payment_method === undefined ? undefined : resolvePaymentMethod(writer, params.payment_method, "payment_method")
  writer.update("payment_intent", intent, {
    ...intent.data,
    ...pickDefined(params, ["amount", "customer", "description", "receipt_email", "setup_future_usage", "statement_descriptor", "capture_method"]),
    ...(params.currency === undefined ? {} : { currency: params.currency.toLowerCase() }),
    ...(method === undefined ? {} : { payment_method: method.id, status: intent.data.status === "requires_payment_method" ? "requires_confirmation" : intent.data.status }),
    metadata: mergeMetadata(intent.data.metadata, params.metadata)
  })
}

export interface PaymentCollection {
  readonly amount: number
  readonly currency: string
  readonly customer: string | null
  readonly paymentMethodId: string
  readonly description: string | null
}

export type CollectionResult =
  | { readonly kind: "succeeded"; readonly intent: Entry<PaymentIntent>; readonly chargeId: string }
  | { readonly kind: "failed"; readonly intent: Entry<PaymentIntent>; readonly error: StripeError }

/**
 * An off-session payment (an invoice being paid): a confirmed PaymentIntent and its charge.
 * A decline is returned, not thrown, since the caller (billing) decides what it means.
 */
export const collectPayment = (writer: Writer, collection: PaymentCollection): CollectionResult => {
  const intent = createPaymentIntent(writer, {
    amount: collection.amount,
    currency: collection.currency,
    ...(collection.customer === null ? {} : { customer: collection.customer }),
    payment_method: collection.paymentMethodId,
    ...(collection.description === null ? {} : { description: collection.description }),
    capture_method: "automatic",
    off_session: true
  })
  try {
    confirmPaymentIntent(writer, intent, {})
  } catch (error) {
    if (error instanceof StripeError && error.status === 402) return { kind: "failed", intent, error }
    throw error
  }
  return { kind: "succeeded", intent, chargeId: intent.data.latest_charge ?? "" }
}

import { Schema } from "effect"
import { invalidRequest, noSuch } from "../http/StripeError.js"
import { Arr, Bool, Emptyable, Enum, Metadata, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { SetupIntent } from "../store/Objects.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import { attachPaymentMethod, outcomeOf, resolvePaymentMethod } from "./paymentMethods.js"
import type { Writer } from "./Writer.js"

export const SetupIntentCreateParams = Schema.Struct({
  customer: optional(Str),
  payment_method: optional(Str),
  confirm: optional(Bool),
  usage: optional(Enum("off_session", "on_session")),
  description: optional(Str),
  metadata: optional(Metadata),
  payment_method_types: optional(Arr(Str)),
  automatic_payment_methods: optional(Schema.Struct({ enabled: Bool })),
  return_url: optional(Str),
  expand: optional(Arr(Str))
})
export type SetupIntentCreateParams = typeof SetupIntentCreateParams.Type

export const SetupIntentUpdateParams = Schema.Struct({
  customer: optional(Str),
  payment_method: optional(Str),
  description: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  payment_method_types: optional(Arr(Str)),
  expand: optional(Arr(Str))
})
export type SetupIntentUpdateParams = typeof SetupIntentUpdateParams.Type

export const createSetupIntent = (writer: Writer, params: SetupIntentCreateParams): Entry<SetupIntent> => {
  if (params.customer !== undefined && writer.get("customer", params.customer) === undefined) {
    throw noSuch("customer", params.customer, "customer", 400)
  }
  const method = params.payment_method === undefined ? undefined : resolvePaymentMethod(writer, params.payment_method, "payment_method")
  const id = writer.ids.long("seti")
  const intent = writer.create(
    "setup_intent",
    build("setup_intent", {
      id,
      client_secret: `${id}_secret_${writer.ids.secret(32)}`,
      created: writer.now,
      customer: params.customer ?? null,
      description: params.description ?? null,
      metadata: mergeMetadata({}, params.metadata),
      payment_method: method?.id ?? null,
      payment_method_types: params.payment_method_types ?? ["card"],
      status: method === undefined ? "requires_payment_method" : "requires_confirmation",
      usage: params.usage ?? "off_session"
    })
  )
  if (params.confirm === true) confirmSetupIntent(writer, intent, undefined)
  return intent
}

/** Confirming saves the card: it is attached to the intent's customer, as in Stripe. */
export const confirmSetupIntent = (writer: Writer, intent: Entry<SetupIntent>, paymentMethod: string | undefined): void => {
  if (intent.data.status === "succeeded" || intent.data.status === "canceled") {
    throw invalidRequest(`You cannot confirm this SetupIntent because it has a status of ${intent.data.status}.`, {
      code: "setup_intent_unexpected_state"
    })
  }
  const methodId = paymentMethod ?? intent.data.payment_method
  if (methodId === null) {
    throw invalidRequest("You cannot confirm this SetupIntent because it's missing a payment method.", {
      code: "setup_intent_unexpected_state"
    })
  }
  const method = resolvePaymentMethod(writer, methodId, "payment_method")
  const outcome = outcomeOf(method.data)
  if (outcome === "declined" || outcome === "insufficient_funds") {
    writer.update(
      "setup_intent",
      intent,
      {
        ...intent.data,
        status: "requires_payment_method",
        payment_method: null,
        last_setup_error: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined.", type: "card_error" }
      },
      ["setup_intent.setup_failed"]
    )
    return
  }
  if (intent.data.customer !== null) attachPaymentMethod(writer, method.id, intent.data.customer, "payment_method")
  writer.update("setup_intent", intent, { ...intent.data, payment_method: method.id, status: "succeeded" }, ["setup_intent.succeeded"])
}

export const cancelSetupIntent = (writer: Writer, intent: Entry<SetupIntent>, reason: string | undefined): void => {
  if (intent.data.status === "succeeded" || intent.data.status === "canceled") {
    throw invalidRequest(`You cannot cancel this SetupIntent because it has a status of ${intent.data.status}.`, {
      code: "setup_intent_unexpected_state"
    })
  }
  writer.update("setup_intent", intent, { ...intent.data, status: "canceled", cancellation_reason: reason ?? null }, [
    "setup_intent.canceled"
  ])
}

/** Stripe has no `setup_intent.updated` event; edits are silent there and here. */
export const updateSetupIntent = (writer: Writer, intent: Entry<SetupIntent>, params: SetupIntentUpdateParams): void => {
  const method = params.payment_method === undefined ? undefined : resolvePaymentMethod(writer, params.payment_method, "payment_method")
  writer.update("setup_intent", intent, {
    ...intent.data,
    ...pickDefined(params, ["customer", "description", "payment_method_types"]),
    ...(method === undefined ? {} : { payment_method: method.id, status: "requires_confirmation" }),
    metadata: mergeMetadata(intent.data.metadata, params.metadata)
  })
}

import { Schema } from "effect"
import { invalidRequest, noSuch } from "../http/StripeError.js"
import { Address, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { PaymentMethod } from "../store/Objects.js"
import { isRecord } from "../store/StripeObject.js"
import { template } from "../templates/Templates.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import { DEFAULT_CARD, outcomeOfLast4, testCardByName, testCardByNumber, type CardOutcome, type TestCard } from "./TestCards.js"
import type { Writer } from "./Writer.js"

const BillingDetails = Obj({
  address: optional(Emptyable(Address)),
  email: optional(Emptyable(Str)),
  name: optional(Emptyable(Str)),
  phone: optional(Emptyable(Str))
})

export const PaymentMethodCreateParams = Schema.Struct({
  type: optional(Enum("card")),
  card: optional(
    Obj({
      token: optional(Str),
      number: optional(Str),
      exp_month: optional(Int),
      exp_year: optional(Int),
      cvc: optional(Str)
    })
  ),
  billing_details: optional(BillingDetails),
  metadata: optional(Metadata),
  allow_redisplay: optional(Enum("always", "limited", "unspecified")),
  expand: optional(Schema.Array(Schema.String))
})
export type PaymentMethodCreateParams = typeof PaymentMethodCreateParams.Type

export const PaymentMethodUpdateParams = Schema.Struct({
  billing_details: optional(BillingDetails),
  metadata: optional(Metadata),
  card: optional(Obj({ exp_month: optional(Int), exp_year: optional(Int) })),
  allow_redisplay: optional(Enum("always", "limited", "unspecified")),
  expand: optional(Schema.Array(Schema.String))
})
export type PaymentMethodUpdateParams = typeof PaymentMethodUpdateParams.Type

const cardFields = (card: TestCard, expiry: { readonly exp_month?: number | undefined; readonly exp_year?: number | undefined } = {}) => {
  const base = template("payment_method")["card"]
  return {
    ...(isRecord(base) ? base : {}),
    brand: card.brand,
    display_brand: card.brand,
    last4: card.last4,
    funding: card.funding,
    networks: { available: [card.brand], preferred: null },
    ...pickDefined(expiry, ["exp_month", "exp_year"])
  }
}

export const createPaymentMethod = (writer: Writer, params: PaymentMethodCreateParams): Entry<PaymentMethod> => {
  const token = params.card?.token
  const number = params.card?.number
  const card = token !== undefined ? (testCardByName(token) ?? DEFAULT_CARD) : number !== undefined ? testCardByNumber(number) : DEFAULT_CARD
  if (params.card === undefined) throw invalidRequest("Missing required param: card.", { param: "card", code: "parameter_missing" })
  return insertCard(writer, card, null, params)
}

const insertCard = (
  writer: Writer,
  card: TestCard,
  customer: string | null,
  params: Pick<PaymentMethodCreateParams, "billing_details" | "metadata" | "allow_redisplay" | "card"> = {}
): Entry<PaymentMethod> => {
  const billing = template("payment_method")["billing_details"]
  return writer.create(
    "payment_method",
    build("payment_method", {
      id: writer.ids.long("pm"),
      created: writer.now,
      customer,
      type: "card",
      card: cardFields(card, params.card ?? {}),
      billing_details: { ...(isRecord(billing) ? billing : {}), ...(params.billing_details ?? {}) },
      metadata: mergeMetadata({}, params.metadata),
      ...(params.allow_redisplay === undefined ? {} : { allow_redisplay: params.allow_redisplay })
    })
  )
}

/**
 * The payment method a request names: a stored one, or a fresh one made from a test card name
 * (`pm_card_visa`), as Stripe does in test mode.
 */
export const resolvePaymentMethod = (writer: Writer, id: string, param: string): Entry<PaymentMethod> => {
  const stored = writer.get("payment_method", id)
  if (stored !== undefined) return stored
  const card = testCardByName(id)
  if (card === undefined) throw noSuch("PaymentMethod", id, param, 400)
  return insertCard(writer, card, null)
}

export const attachPaymentMethod = (writer: Writer, id: string, customerId: string, param: string): Entry<PaymentMethod> => {
  const method = resolvePaymentMethod(writer, id, param)
  if (method.data.customer === customerId) return method
  if (method.data.customer !== null) {
    throw invalidRequest("The payment method you provided has already been attached to a customer.", {
      param,
      code: "payment_method_unexpected_state"
    })
  }
  writer.update("payment_method", method, { ...method.data, customer: customerId }, ["payment_method.attached"])
  return method
}

export const detachPaymentMethod = (writer: Writer, method: Entry<PaymentMethod>): void => {
  if (method.data.customer === null) {
    throw invalidRequest("The payment method you provided is not attached to a customer so detachment is impossible.", {
      code: "payment_method_unexpected_state"
    })
  }
  writer.update("payment_method", method, { ...method.data, customer: null }, ["payment_method.detached"])
}

export const updatePaymentMethod = (writer: Writer, method: Entry<PaymentMethod>, params: PaymentMethodUpdateParams): void => {
  const data = method.data
  const card = isRecord(data["card"]) ? data["card"] : {}
  const billing = isRecord(data["billing_details"]) ? data["billing_details"] : {}
  writer.update("payment_method", method, {
    ...data,
    ...(params.billing_details === undefined ? {} : { billing_details: { ...billing, ...params.billing_details } }),
    ...(params.card === undefined ? {} : { card: { ...card, ...pickDefined(params.card, ["exp_month", "exp_year"]) } }),
    ...(params.allow_redisplay === undefined ? {} : { allow_redisplay: params.allow_redisplay }),
    metadata: mergeMetadata(data.metadata, params.metadata)
  })
}

export const outcomeOf = (method: PaymentMethod): CardOutcome => {
  const card = method["card"]
  return outcomeOfLast4(isRecord(card) ? card["last4"] : undefined)
}

/** The card a customer pays with by default: its default payment method, else its newest attached card. */
export const defaultPaymentMethodOf = (writer: Writer, customerId: string): Entry<PaymentMethod> | undefined => {
  const customer = writer.get("customer", customerId)
  const preferred = customer?.data.invoice_settings.default_payment_method
  if (typeof preferred === "string") {
    const method = writer.get("payment_method", preferred)
    if (method !== undefined) return method
  }
  const methods = writer.store.collection("payment_method").values()
  for (let i = methods.length - 1; i >= 0; i--) {
    const method = methods[i]
    if (method !== undefined && method.data.customer === customerId) return method
  }
  return undefined
}

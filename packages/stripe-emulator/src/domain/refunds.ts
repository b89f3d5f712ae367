import { Schema } from "effect"
import { invalidRequest } from "../http/StripeError.js"
import { Enum, Int, Metadata, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Charge, Refund } from "../store/Objects.js"
import { recordBalanceTransaction } from "./balanceTransactions.js"
import { build, mergeMetadata } from "./Build.js"
import type { Writer } from "./Writer.js"

export const RefundReason = Enum("duplicate", "fraudulent", "requested_by_customer")

export const RefundCreateParams = Schema.Struct({
  charge: optional(Str),
  payment_intent: optional(Str),
  amount: optional(Int),
  reason: optional(RefundReason),
  metadata: optional(Metadata),
  expand: optional(Schema.Array(Schema.String))
})
export type RefundCreateParams = typeof RefundCreateParams.Type

export interface RefundInput {
  readonly amount?: number | undefined
  readonly reason?: string | undefined
  readonly metadata?: Readonly<Record<string, string>> | null | undefined
}

const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`

/** Refunds part or all of a captured charge; the charge's `refunds` list shows newest first. */
export const refundCharge = (writer: Writer, charge: Entry<Charge>, input: RefundInput, param = "charge"): Entry<Refund> => {
  const refundable = charge.data.amount_captured - charge.data.amount_refunded
  if (charge.data.refunded || refundable <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded", param })
  }
  const amount = input.amount ?? refundable
  if (amount > refundable) {
    throw invalidRequest(
      `Refund amount (${dollars(amount)}) is greater than unrefunded amount on charge (${dollars(refundable)})`,
      { code: "amount_too_large", param: "amount" }
    )
  }
  if (amount <= 0) throw invalidRequest("Invalid positive integer", { param: "amount", code: "parameter_invalid_integer" })
  const id = writer.ids.long("re")
  const transaction = recordBalanceTransaction(writer, {
    amount: -amount,
    currency: charge.data.currency,
    type: "refund",
    reportingCategory: "refund",
    source: id,
    description: "REFUND FOR CHARGE"
  })
  const refund = writer.create(
    "refund",
    build("refund", {
      id,
      amount,
      balance_transaction: transaction.id,
      charge: charge.id,
      created: writer.now,
      currency: charge.data.currency,
      customer: charge.data.customer,
      metadata: mergeMetadata({}, input.metadata),
      payment_intent: charge.data.payment_intent,
      payment_method: charge.data["payment_method"] ?? null,
      reason: input.reason ?? null,
      status: "succeeded"
    })
  )
  writer.store.link("charge.refunds", charge.id, refund.id)
  const refunded = charge.data.amount_refunded + amount
  writer.update(
    "charge",
    charge,
    { ...charge.data, amount_refunded: refunded, refunded: refunded >= charge.data.amount_captured },
    ["charge.refunded"],
    null
  )
  return refund
}

export const RefundUpdateParams = Schema.Struct({
  metadata: optional(Metadata),
  expand: optional(Schema.Array(Schema.String))
})
export type RefundUpdateParams = typeof RefundUpdateParams.Type

export const updateRefund = (writer: Writer, refund: Entry<Refund>, params: RefundUpdateParams): void => {
  writer.update("refund", refund, { ...refund.data, metadata: mergeMetadata(refund.data.metadata, params.metadata) }, ["charge.refund.updated"])
}

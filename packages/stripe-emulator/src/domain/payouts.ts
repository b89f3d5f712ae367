import { Schema } from "effect"
import { DAY_SECONDS } from "../internal/Clock.js"
import { invalidRequest } from "../http/StripeError.js"
import { Arr, Enum, Int, Metadata, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Payout } from "../store/Objects.js"
import { recordBalanceTransaction } from "./balanceTransactions.js"
import { build, mergeMetadata } from "./Build.js"
import type { Writer } from "./Writer.js"

export const PayoutCreateParams = Schema.Struct({
  amount: Int,
  currency: Str,
  description: optional(Str),
  metadata: optional(Metadata),
  method: optional(Enum("standard", "instant")),
  statement_descriptor: optional(Str),
  destination: optional(Str),
  source_type: optional(Enum("bank_account", "card", "fpx")),
  expand: optional(Arr(Str))
})
export type PayoutCreateParams = typeof PayoutCreateParams.Type

export const PayoutUpdateParams = Schema.Struct({ metadata: optional(Metadata), expand: optional(Arr(Str)) })
export type PayoutUpdateParams = typeof PayoutUpdateParams.Type

/** Payouts wait until their arrival date (standard: two days), then turn `paid` when the clock passes it. */
export const createPayout = (writer: Writer, params: PayoutCreateParams): Entry<Payout> => {
  if (params.amount <= 0) throw invalidRequest("Invalid positive integer", { param: "amount", code: "parameter_invalid_integer" })
  const id = writer.ids.long("po")
  const method = params.method ?? "standard"
  const transaction = recordBalanceTransaction(writer, {
    amount: -params.amount,
    currency: params.currency.toLowerCase(),
    type: "payout",
    reportingCategory: "payout",
    source: id,
    description: params.description ?? "STRIPE PAYOUT"
  })
  return writer.create(
    "payout",
    build("payout", {
      id,
      amount: params.amount,
      arrival_date: method === "instant" ? writer.now : writer.now + 2 * DAY_SECONDS,
      balance_transaction: transaction.id,
      created: writer.now,
      currency: params.currency.toLowerCase(),
      description: params.description ?? "STRIPE PAYOUT",
      destination: params.destination ?? `ba_${writer.account.id.slice(5)}`,
      metadata: mergeMetadata({}, params.metadata),
      method,
      source_type: params.source_type ?? "card",
      statement_descriptor: params.statement_descriptor ?? null,
      status: "pending"
    })
  )
}

export const updatePayout = (writer: Writer, payout: Entry<Payout>, params: PayoutUpdateParams): void => {
  writer.update("payout", payout, { ...payout.data, metadata: mergeMetadata(payout.data.metadata, params.metadata) })
}

export const cancelPayout = (writer: Writer, payout: Entry<Payout>): void => {
  if (payout.data.status !== "pending") {
    throw invalidRequest(`Payouts can only be canceled while they are pending; this one is ${payout.data.status}.`, { code: "payout_not_cancelable" })
  }
  writer.update("payout", payout, { ...payout.data, status: "canceled" }, ["payout.canceled"])
}

export const settlePayout = (writer: Writer, payout: Entry<Payout>): void => {
  writer.update("payout", payout, { ...payout.data, status: "paid", reconciliation_status: "completed" }, ["payout.paid"])
}

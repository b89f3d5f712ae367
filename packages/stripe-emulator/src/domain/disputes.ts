import { Schema } from "effect"
import { DAY_SECONDS } from "../internal/Clock.js"
import { invalidRequest } from "../http/StripeError.js"
import { Bool, Metadata, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Charge, Dispute } from "../store/Objects.js"
import { render } from "../store/Render.js"
import { templateHash } from "../templates/Templates.js"
import { recordBalanceTransaction } from "./balanceTransactions.js"
import { build, mergeMetadata } from "./Build.js"
import type { Writer } from "./Writer.js"

const DISPUTE_FEE = 1500

export const DisputeUpdateParams = Schema.Struct({
  evidence: optional(Schema.Record({ key: Schema.String, value: Str })),
  metadata: optional(Metadata),
  submit: optional(Bool),
  expand: optional(Schema.Array(Schema.String))
})
export type DisputeUpdateParams = typeof DisputeUpdateParams.Type

/**
 * A card network dispute (from the `createDispute` test card, or the mutator). Disputes cannot be
 * created through the API; they withdraw the amount plus a fee and mark the charge disputed.
 */
export const createDispute = (writer: Writer, charge: Entry<Charge>): Entry<Dispute> => {
  const id = writer.ids.long("dp")
  const withdrawal = recordBalanceTransaction(writer, {
    amount: -charge.data.amount,
    currency: charge.data.currency,
    type: "adjustment",
    reportingCategory: "dispute",
    source: id,
    description: `Chargeback withdrawal for ${charge.id}`,
    fee: DISPUTE_FEE
  })
  const paymentMethodDetails = charge.data["payment_method_details"]
  const dispute = writer.create(
    "dispute",
    build("dispute", {
      id,
      amount: charge.data.amount,
      balance_transactions: [render(writer.store, "balance_transaction", withdrawal)],
      charge: charge.id,
      created: writer.now,
      currency: charge.data.currency,
      evidence_details: {
        ...templateHash("dispute", "evidence_details"),
        due_by: writer.now + 7 * DAY_SECONDS
      },
      is_charge_refundable: false,
      payment_intent: charge.data.payment_intent,
      payment_method_details: {
        card: { brand: readBrand(paymentMethodDetails), case_type: "chargeback", network_reason_code: "10.4" },
        type: "card"
      },
      reason: "fraudulent",
      status: "needs_response"
    })
  )
  writer.emit("charge.dispute.funds_withdrawn", "dispute", dispute)
  writer.update("charge", charge, { ...charge.data, disputed: true })
  return dispute
}

const readBrand = (details: unknown): unknown =>
  typeof details === "object" && details !== null && "card" in details && typeof details.card === "object" && details.card !== null && "brand" in details.card
    ? details.card.brand
    : "visa"

const OPEN_STATUSES = new Set(["warning_needs_response", "needs_response", "warning_under_review", "under_review"])

export const updateDispute = (writer: Writer, dispute: Entry<Dispute>, params: DisputeUpdateParams): void => {
  if (!OPEN_STATUSES.has(dispute.data.status)) {
    throw invalidRequest("This dispute is already closed", { code: "charge_dispute_closed" })
  }
  const evidence = templateHash("dispute", "evidence")
  const current = dispute.data["evidence"]
  writer.update("dispute", dispute, {
    ...dispute.data,
    evidence: { ...evidence, ...(typeof current === "object" && current !== null ? current : {}), ...(params.evidence ?? {}) },
    metadata: mergeMetadata(dispute.data.metadata, params.metadata),
    ...(params.submit === true ? { status: "under_review" } : {})
  })
}

/** Accepting a dispute: it is lost and closed. */
export const closeDispute = (writer: Writer, dispute: Entry<Dispute>): void => {
  if (!OPEN_STATUSES.has(dispute.data.status)) {
    throw invalidRequest("This dispute is already closed", { code: "charge_dispute_closed" })
  }
  writer.update("dispute", dispute, { ...dispute.data, status: "lost" }, ["charge.dispute.closed"], null)
}

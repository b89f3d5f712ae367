import { cardDeclined, invalidRequest, type StripeError } from "../http/StripeError.js"
import type { Entry } from "../store/Entry.js"
import type { Charge, PaymentMethod } from "../store/Objects.js"
import type { Metadata } from "../store/StripeObject.js"
import { isRecord } from "../store/StripeObject.js"
import { templateHash } from "../templates/Templates.js"
import { cardFee, recordBalanceTransaction } from "./balanceTransactions.js"
import { build, mergeMetadata } from "./Build.js"
import { createDispute } from "./disputes.js"
import { outcomeOf } from "./paymentMethods.js"
import type { Writer } from "./Writer.js"

export interface ChargeInput {
  readonly amount: number
  readonly currency: string
  readonly customer: string | null
  readonly paymentMethod: Entry<PaymentMethod>
  readonly paymentIntent: string | null
  readonly description: string | null
  readonly metadata?: Metadata | null | undefined
  readonly capture: boolean
  readonly receiptEmail?: string | null | undefined
}

export type ChargeResult =
  | { readonly kind: "succeeded"; readonly charge: Entry<Charge> }
  | { readonly kind: "failed"; readonly charge: Entry<Charge>; readonly error: StripeError }

const DECLINES = {
  declined: { code: "generic_decline", message: "Your card was declined." },
  insufficient_funds: { code: "insufficient_funds", message: "Your card has insufficient funds." }
} as const

export const MINIMUM_AMOUNT = 50

export const requireChargeableAmount = (amount: number, currency: string, param = "amount"): void => {
  if (amount < MINIMUM_AMOUNT) {
    throw invalidRequest(`Amount must be at least $0.50 ${currency}`, { code: "amount_too_small", param })
  }
}

const methodDetails = (method: PaymentMethod, amount: number) => {
  const detailsCard = templateHash("charge", "payment_method_details")["card"]
  const card = isRecord(method["card"]) ? method["card"] : {}
  return {
    card: {
      ...(isRecord(detailsCard) ? detailsCard : {}),
      brand: card["brand"],
      last4: card["last4"],
      funding: card["funding"],
      exp_month: card["exp_month"],
      exp_year: card["exp_year"],
      overcapture: { maximum_amount_capturable: amount, status: "unavailable" }
    },
    type: "card"
  }
}

/**
 * Charges a card. A declined card still leaves a failed charge behind (and `charge.failed`), as in
 * Stripe; the caller decides how the decline surfaces (a 402, a failed invoice payment…).
 */
export const createCharge = (writer: Writer, input: ChargeInput): ChargeResult => {
  const outcome = outcomeOf(input.paymentMethod.data)
  const id = writer.ids.long("ch")
  const base = {
    id,
    amount: input.amount,
    created: writer.now,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    metadata: mergeMetadata({}, input.metadata),
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod.id,
    payment_method_details: methodDetails(input.paymentMethod.data, input.amount),
    receipt_email: input.receiptEmail ?? null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${writer.ids.secret(40)}`
  }
  if (outcome === "declined" || outcome === "insufficient_funds") {
    const decline = DECLINES[outcome]
    const charge = writer.create(
      "charge",
      build("charge", {
        ...base,
        amount_captured: 0,
        balance_transaction: null,
        captured: false,
        failure_code: "card_declined",
        failure_message: decline.message,
        outcome: {
          ...templateHash("charge", "outcome"),
          network_status: "declined_by_network",
          reason: decline.code,
          seller_message: "The bank did not return any further details with this decline.",
          type: "issuer_declined"
        },
        paid: false,
        status: "failed"
      }),
      "charge.failed"
    )
    return { kind: "failed", charge, error: cardDeclined(decline.code, decline.message) }
  }
  const transaction = input.capture
    ? recordBalanceTransaction(writer, {
        amount: input.amount,
        currency: input.currency,
        type: "charge",
        reportingCategory: "charge",
        source: id,
        description: input.description,
        fee: cardFee(input.amount)
      })
    : undefined
  const charge = writer.create(
    "charge",
    build("charge", {
      ...base,
      amount_captured: input.capture ? input.amount : 0,
      balance_transaction: transaction?.id ?? null,
      captured: input.capture,
      paid: true,
      status: "succeeded"
    }),
    "charge.succeeded"
  )
  if (outcome === "disputed") createDispute(writer, charge)
  return { kind: "succeeded", charge }
}

export const captureCharge = (writer: Writer, charge: Entry<Charge>, amount: number | undefined): void => {
  if (charge.data.captured) {
    throw invalidRequest(`Charge ${charge.id} has already been captured.`, { code: "charge_already_captured" })
  }
  const captured = amount ?? charge.data.amount
  if (captured > charge.data.amount) {
    throw invalidRequest("The amount to capture is greater than the amount of the charge.", { param: "amount", code: "amount_too_large" })
  }
  const transaction = recordBalanceTransaction(writer, {
    amount: captured,
    currency: charge.data.currency,
    type: "charge",
    reportingCategory: "charge",
    source: charge.id,
    description: typeof charge.data["description"] === "string" ? charge.data["description"] : null,
    fee: cardFee(captured)
  })
  writer.update(
    "charge",
    charge,
    {
      ...charge.data,
      amount_captured: captured,
      amount_refunded: charge.data.amount - captured,
      balance_transaction: transaction.id,
      captured: true
    },
    ["charge.captured"],
    null
  )
}

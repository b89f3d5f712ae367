import { DAY_SECONDS } from "../internal/Clock.js"
import type { Entry } from "../store/Entry.js"
import type { BalanceTransaction } from "../store/Objects.js"
import { build } from "./Build.js"
import type { Writer } from "./Writer.js"

export interface MoneyMovement {
  readonly amount: number
  readonly currency: string
  readonly type: "charge" | "refund" | "payout" | "adjustment"
  readonly reportingCategory: string
  readonly source: string
  readonly description: string | null
  readonly fee?: number
}

/** Stripe's test-mode card pricing, so fees and nets look like real ones. */
export const cardFee = (amount: number): number => Math.round(amount * 0.029) + 30

/**
 * Balance transactions are immutable and announce nothing: syncs find them by listing with
 * `created[gte]`. They are therefore written once, complete, and never touched again.
 */
export const recordBalanceTransaction = (writer: Writer, movement: MoneyMovement): Entry<BalanceTransaction> => {
  const fee = movement.fee ?? 0
  return writer.create(
    "balance_transaction",
    build("balance_transaction", {
      id: writer.ids.long("txn"),
      amount: movement.amount,
      available_on: writer.now + 2 * DAY_SECONDS,
      created: writer.now,
      currency: movement.currency,
      description: movement.description,
      fee,
      fee_details:
        fee === 0
          ? []
          : [{ amount: fee, application: null, currency: movement.currency, description: "Stripe processing fees", type: "stripe_fee" }],
      net: movement.amount - fee,
      reporting_category: movement.reportingCategory,
      source: movement.source,
      status: "available",
      type: movement.type
    })
  )
}

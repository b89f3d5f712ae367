import type { Entry } from "../store/Entry.js"
import type { Subscription } from "../store/Objects.js"
import { billPeriod, itemsOf } from "./billing.js"
import { addInterval } from "./Periods.js"
import type { Writer } from "./Writer.js"

/**
 * Moves a subscription into its next period: items get the new period, a `subscription_cycle`
 * invoice is billed, and the subscription becomes active (or past_due when payment fails). A trial
 * ending is the same step. Returns false when the current period has not ended at `writer.now`.
 */
export const renewIfDue = (writer: Writer, subscription: Entry<Subscription>): boolean => {
  const items = itemsOf(writer, subscription.id)
  const first = items[0]
  if (first === undefined || first.data.current_period_end > writer.now) return false
  const periodStart = first.data.current_period_end
  const change = writer.track("subscription", subscription)
  for (const item of items) {
    const recurring = item.data.price.recurring ?? { interval: "month" as const, interval_count: 1 }
    writer.replaceSilently("subscription_item", item, {
      ...item.data,
      current_period_start: periodStart,
      current_period_end: addInterval(periodStart, recurring)
    })
  }
  const periodEnd = itemsOf(writer, subscription.id)[0]?.data.current_period_end ?? periodStart
  const { invoice, outcome } = billPeriod(writer, subscription.data, {
    reason: "subscription_cycle",
    periodStart,
    periodEnd,
    trial: false,
    attemptPayment: true
  })
  writer.replaceSilently("subscription", subscription, {
    ...subscription.data,
    latest_invoice: invoice.id,
    status: outcome === "failed" ? "past_due" : "active"
  })
  change.commit()
  return true
}

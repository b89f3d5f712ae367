import type { Account } from "../accounts/Account.js"
import { NO_REQUEST } from "../events/EventLog.js"
import { expireCheckoutSession } from "./checkoutSessions.js"
import { settlePayout } from "./payouts.js"
import { renewIfDue } from "./renewals.js"
import { cancelSubscription, expireIncompleteSubscription, INCOMPLETE_EXPIRY_SECONDS } from "./subscriptions.js"
import { Writer } from "./Writer.js"

/** Renewals per subscription per call, so a jump of years cannot run away. */
const MAX_RENEWALS = 48

/**
 * What happens in Stripe as time passes, run after the clock moves: payouts arrive, checkout
 * sessions expire, trials end, periods renew (a new invoice, paid or failed), scheduled
 * cancellations take effect, and incomplete subscriptions expire after 23 hours. Each change records its events at the new "now".
 */
export const runDueTransitions = (account: Account): void => {
  const writer = new Writer(account, account.nowSeconds(), NO_REQUEST)
  const now = writer.now
  for (const payout of [...account.store.collection("payout").values()]) {
    if (payout.data.status === "pending" && payout.data.arrival_date <= now) settlePayout(writer, payout)
  }
  for (const session of [...account.store.collection("checkout.session").values()]) {
    if (session.data.status === "open" && session.data.expires_at <= now) expireCheckoutSession(writer, session)
  }
  for (const subscription of [...account.store.collection("subscription").values()]) {
    const status = subscription.data.status
    if (status === "incomplete" && subscription.data.created + INCOMPLETE_EXPIRY_SECONDS <= now) {
      expireIncompleteSubscription(writer, subscription)
      continue
    }
    if (status === "canceled" || status === "incomplete_expired" || status === "incomplete") continue
    const cancelAt = subscription.data["cancel_at"]
    if (typeof cancelAt === "number" && cancelAt <= now) {
      cancelSubscription(writer, subscription)
      continue
    }
    let renewals = 0
    while (renewals < MAX_RENEWALS && renewIfDue(writer, subscription)) renewals++
  }
}

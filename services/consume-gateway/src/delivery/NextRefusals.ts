/**
 * When `next` answers 429 (`Backpressure`) on what the replica knows; how long it says to wait
 * is `RetryAfter`'s, and JetStream's own `max_waiting` is read from the pull's end (`PullEnds`).
 *
 * `next` is not refused by cached count before it pulls: at `max_ack_pending` the server still
 * hands out the messages due for redelivery (a nacked message counts as in flight until then), so
 * a consumer whose every message in flight was nacked would be refused until their ack wait. It is
 * refused at `max_ack_pending` only when a pull found nothing, and then by fresh counts.
 */
import type { ConsumerConfig } from "@tributary/core"
import type { CachedCounts } from "./CachedCounts.js"
import { Backpressure } from "./Failures.js"
import * as RetryAfter from "./RetryAfter.js"

/** What the refusals weigh: the consumer's limit, its counts, and this replica's `/next` requests for it. */
export interface Load {
  readonly config: ConsumerConfig.ConsumerConfig
  readonly counts: CachedCounts
  readonly waiters: ReadonlySet<RetryAfter.Waiter>
}

/** At `max_ack_pending` by the cached counts: a hint to confirm by fresh counts, never a refusal on its own. */
export const atMaxAckPendingByCachedCounts = async (load: Load): Promise<boolean> =>
  (await load.counts.recent()).numAckPending >= load.config.max_ack_pending

/**
 * 429 when the consumer is at `max_ack_pending`, by fresh counts: the replica's cached ones
 * may be older than an ack made a moment ago, here or through another replica.
 */
export const refuseAtMaxAckPending = async (load: Load): Promise<void> => {
  const inFlight = (await load.counts.refresh()).numAckPending
  if (inFlight < load.config.max_ack_pending) return
  throw new Backpressure(`consumer ${load.config.name} has ${inFlight} messages in flight, its max_ack_pending ` +
    `is ${load.config.max_ack_pending}: ack or nack some first`, RetryAfter.AT_MAX_ACK_PENDING_SECONDS)
}

/**
 * 429 when this replica already holds `maxWaiting` `/next` requests for the consumer (at `now`).
 * `atMaxAckPending` (by cached counts): refused either way, but `max_ack_pending`, when fresh
 * counts confirm it, is the reason that says what to do (ack or nack).
 */
export const refuseWhenWaitingFull = async (load: Load, maxWaiting: number, atMaxAckPending: boolean,
  now: number): Promise<void> => {
  if (load.waiters.size < maxWaiting) return
  if (atMaxAckPending) await refuseAtMaxAckPending(load)
  const retryAfter = RetryAfter.untilFirstWaiterEnds(load.waiters, now)
  throw new Backpressure(`${load.waiters.size} requests are already waiting for consumer ${load.config.name} on this replica ` +
    `(TRIBUTARY_GATEWAY_MAX_WAITING); the first of them ends its wait_for within ${retryAfter} s`, retryAfter)
}

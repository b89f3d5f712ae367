/**
 * How long a refused `next` (429) is told to wait, in whole seconds (`Retry-After`), by what
 * the replica knows when it refuses. At least 1: HTTP's `Retry-After` is whole seconds, and 0
 * would invite a retry loop.
 */

/** One `/next` request the replica is answering, and when its `wait_for` runs out (ms since the epoch). */
export interface Waiter {
  readonly until: number
}

/** The shortest honest answer. */
export const SOONEST_SECONDS = 1

/**
 * Too many `/next` requests waiting on this replica: the first of them to run out of
 * `wait_for` frees its slot then at the latest. A message arriving sooner frees slots sooner,
 * but goes to a request already waiting, so retrying before then gains the caller nothing.
 */
export const untilFirstWaiterEnds = (waiters: Iterable<Waiter>, now: number): number => {
  let first = Number.POSITIVE_INFINITY
  for (const waiter of waiters) if (waiter.until < first) first = waiter.until
  return Number.isFinite(first) ? Math.max(SOONEST_SECONDS, Math.ceil((first - now) / 1000)) : SOONEST_SECONDS
}

/**
 * At `max_ack_pending`, a slot frees when any message in flight is acked or nacked (which the
 * gateway cannot foresee: workers commonly take milliseconds), or at the latest when the
 * oldest one's ack wait runs out, which JetStream's consumer info does not tell. `ack_wait_ms`
 * itself would only bound it, often thousands of times too long; so: the soonest.
 */
export const AT_MAX_ACK_PENDING_SECONDS = SOONEST_SECONDS

/**
 * JetStream's own waiting queue is full (`max_waiting`, all replicas and other pullers
 * together): when those pulls end is known only to the replicas or clients that made them.
 */
export const AT_JETSTREAM_MAX_WAITING_SECONDS = SOONEST_SECONDS

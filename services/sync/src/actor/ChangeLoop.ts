/**
 * Following the change feed for the sync's lifetime: ask for the changes after the
 * checkpointed cursor, apply them, checkpoint the new cursor, and when the feed says it
 * is caught up, wait the poll interval. The first time it catches up in a generation, the
 * sync goes live and the `events_caught_up` milestone is logged. A live sync whose feed is
 * no longer caught up fell behind (`fell_behind`, in the log and the status) and is catching
 * up again until it is.
 */
import type { Connector, Errors, Ids, Nats } from "@tributary/core"
import { Effect } from "effect"
import * as Checkpoint from "../state/Checkpoint.js"
import * as SyncLog from "../state/SyncLog.js"
import type { Applier } from "./Apply.js"
import type { Reporter } from "./Status.js"

export interface Options {
  readonly sync: Ids.SyncId
  readonly connection: Connector.Connection
  readonly applier: Applier
  readonly store: Checkpoint.Store
  readonly status: Reporter
  readonly pollIntervalMs: number
}

type Failure = Connector.Refusal | Connector.FeedExpired | Errors.NatsError | Checkpoint.CheckpointConflict

/** The upstream time of the newest change in a batch (ms), if it has any. */
const newestChange = (batch: Connector.FeedBatch): number | undefined => {
  let newest: number | undefined
  for (const o of batch.observations) if (o.origin === "reported") newest = Math.max(newest ?? 0, o.version.to)
  return newest
}

/**
 * How far behind upstream the copy is (seconds), once `batch` is applied, or undefined when
 * the batch cannot tell. A batch that reached the present leaves the copy as current as the
 * read that fetched it, however old its newest change is (an account quiet for hours is not
 * hours behind); a batch behind the present leaves the copy at its newest change.
 */
const lagAfter = (batch: Connector.FeedBatch, readStartedAt: number, now: number): number | undefined => {
  if (batch.caughtUp) return Math.max(0, (now - readStartedAt) / 1000)
  const newest = newestChange(batch)
  return newest === undefined ? undefined : Math.max(0, (now - newest) / 1000)
}

export const run = (
  options: Options,
  generation: number,
  start: Connector.Json,
  alreadyCaughtUp: boolean
): Effect.Effect<never, Failure, Nats.Nats> =>
  Effect.gen(function*() {
    const { sync, connection, applier, store, status } = options
    let cursor = start
    /** The milestone is logged once per generation; the phase moves to live on every start. */
    let logged = alreadyCaughtUp
    let live = false
    for (;;) {
      const readStartedAt = Date.now()
      const batch = yield* connection.changes.next(cursor)
      yield* applier.apply(batch, readStartedAt, batch.refresh)
      const lag = lagAfter(batch, readStartedAt, Date.now())
      if (lag !== undefined) yield* status.setLag(lag)
      if (JSON.stringify(batch.cursor) !== JSON.stringify(cursor)) {
        const current = yield* store.current
        const base = current._tag === "Some" && current.value.generation === generation ? current.value : Checkpoint.empty(generation)
        yield* store.save({ ...base, feed: batch.cursor })
        cursor = batch.cursor
      }
      if (!batch.caughtUp && live) {
        // Live until now, the feed is behind by more than one batch reaches (an outage, a
        // stalled poll): the sync is catching up until it is caught up again.
        live = false
        const detail = "the change feed fell behind (by more than one batch reaches); catching up"
        yield* SyncLog.append(sync, { _tag: "fell_behind", at: new Date().toISOString(), generation, detail })
        yield* status.move("fell_behind", detail)
      }
      if (batch.caughtUp && !live) {
        live = true
        yield* status.move("caught_up")
      }
      if (batch.caughtUp && !logged) {
        logged = true
        yield* SyncLog.append(sync, { _tag: "events_caught_up", at: new Date().toISOString(), generation, cursor })
      }
      if (batch.caughtUp) yield* Effect.sleep(options.pollIntervalMs)
    }
  })

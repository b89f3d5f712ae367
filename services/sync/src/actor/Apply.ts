/**
 * Applying what a connector observed: publish through the ordering guard, read afresh
 * what could not be ordered, and log what could not be understood. Shared by the backfill
 * and the change loop.
 */
import type { Collection, Connector, Errors, Ids } from "@tributary/core"
import { Effect } from "effect"
import type { SyncMetrics } from "../Metrics.js"
import type { Publisher } from "../publish/Records.js"

export interface Applier {
  /**
   * Publish observations, in order per record and in parallel across records, then read
   * afresh the records that could not be ordered (and `refresh`), until none is left.
   * Returns the records found per collection: each record observed as existing upstream,
   * once, whether or not a new version of it was published (a backfill's row counts; after a
   * re-backfill or a resumed one most records are already on RECORDS, unchanged).
   */
  readonly apply: (
    observed: Connector.Observed,
    readStartedAt: number | undefined,
    refresh?: ReadonlyArray<Connector.RecordRef>
  ) => Effect.Effect<Map<string, number>, Errors.NatsError | Connector.Refusal>
  /** Start (or stop) remembering which records were observed, for the reconciliation after a backfill. */
  readonly track: (on: boolean) => void
  /** Records observed since tracking started (`<collection>/<upstream id>`). */
  readonly observed: () => ReadonlySet<string>
}

export interface Options {
  readonly sync: Ids.SyncId
  readonly connection: Connector.Connection
  readonly publisher: Publisher
  readonly selected: ReadonlySet<Collection.CollectionId>
  readonly metrics: SyncMetrics
  /** Records published at once (back-pressure from JetStream acks). */
  readonly publishConcurrency: number
}

/** Reads afresh after which a record that still cannot be ordered is left for the next change. */
const REFRESH_ROUNDS = 3

export const keyOf = (ref: Connector.RecordRef) => `${ref.collection}/${ref.upstreamId}`

export const make = (options: Options): Applier => {
  const { sync, metrics } = options
  let tracking: Set<string> | undefined
  const wanted = (ref: Connector.RecordRef) => options.selected.has(ref.collection)

  const logMalformed = (malformed: ReadonlyArray<Connector.Malformed>) =>
    Effect.forEach(malformed, (bad) => {
      metrics.malformed.inc({ sync, collection: bad.collection })
      // The id in the message too: it is what an operator looks the object up by upstream.
      const which = bad.upstreamId === null ? "object (without an id)" : `object ${bad.upstreamId}`
      return Effect.logWarning(`skipped a malformed ${bad.collection} ${which}: ${bad.detail}; the others go on, and its next change brings it`).pipe(
        Effect.annotateLogs({ collection: bad.collection, upstream_id: bad.upstreamId ?? "(none)" })
      )
    }, { discard: true })

  /** Records that exist upstream as last observed, once each: `<collection>/<id>` → collection. */
  const found = (observations: ReadonlyArray<Connector.Observation>, into: Map<string, string>) => {
    for (const observation of observations) {
      if (observation.deleted) into.delete(keyOf(observation))
      else into.set(keyOf(observation), observation.collection)
    }
  }

  const countsOf = (records: ReadonlyMap<string, string>) => {
    const counts = new Map<string, number>()
    for (const collection of records.values()) counts.set(collection, (counts.get(collection) ?? 0) + 1)
    return counts
  }

  /** Publish in order per record; returns the records to read afresh. */
  const publish = (observations: ReadonlyArray<Connector.Observation>, readStartedAt: number | undefined) =>
    Effect.gen(function*() {
      const chosen = observations.filter(wanted)
      if (tracking !== undefined) for (const observation of chosen) tracking.add(keyOf(observation))
      const outcomes = yield* options.publisher.applyAll(chosen, readStartedAt, options.publishConcurrency)
      const again = new Map<string, Connector.RecordRef>()
      // Counted here and added to the metrics once per label set: a page has a hundred records.
      const published = new Map<string, { readonly collection: string; readonly action: string; n: number }>()
      const skipped = new Map<string, number>()
      outcomes.forEach((outcome, index) => {
        const observation = chosen[index]!
        switch (outcome._tag) {
          case "Published": {
            const key = `${observation.collection} ${outcome.action}`
            const entry = published.get(key)
            if (entry === undefined) published.set(key, { collection: observation.collection, action: outcome.action, n: 1 })
            else entry.n++
            break
          }
          case "Skipped":
            skipped.set(outcome.verdict, (skipped.get(outcome.verdict) ?? 0) + 1)
            break
          case "Refresh":
            again.set(keyOf(outcome.ref), outcome.ref)
        }
      })
      for (const { collection, action, n } of published.values()) metrics.records.inc({ sync, collection, action }, n)
      for (const [reason, n] of skipped) metrics.skipped.inc({ sync, reason }, n)
      return { chosen, again: [...again.values()] }
    })

  const apply: Applier["apply"] = (observed, readStartedAt, refresh = []) =>
    Effect.gen(function*() {
      yield* logMalformed(observed.malformed)
      const first = yield* publish(observed.observations, readStartedAt)
      const records = new Map<string, string>()
      found(first.chosen, records)
      let pending = [...new Map([...refresh, ...first.again].filter(wanted).map((ref) => [keyOf(ref), ref])).values()]
      for (let round = 1; pending.length > 0; round++) {
        if (round > REFRESH_ROUNDS) {
          yield* Effect.logWarning(`${pending.length} records could still not be ordered; the next change will read them again`)
          break
        }
        metrics.refreshes.inc({ sync }, pending.length)
        const startedAt = Date.now()
        const read = yield* options.connection.refresh(pending)
        yield* logMalformed(read.malformed)
        const next = yield* publish(read.observations, startedAt)
        found(next.chosen, records)
        pending = next.again
      }
      return countsOf(records)
    })

  return {
    apply,
    track: (on) => {
      tracking = on ? new Set() : undefined
    },
    observed: () => tracking ?? new Set()
  }
}

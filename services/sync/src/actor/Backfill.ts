/**
 * The backfill: every work item pages from its checkpointed cursor to its end, all items
 * at once under the sync's request budget. Each item fetches up to `PREFETCH` pages ahead
 * of the one being published (a page's cursor is known as soon as it arrives), and a page
 * is checkpointed only once all its records are acked and the pages before it are
 * checkpointed, so a killed actor resumes at the first page that may not be published.
 */
import type { Connector, Errors, Ids, SyncStatus } from "@tributary/core"
import { Cause, Effect, Exit, Fiber, Option, Queue, Ref } from "effect"
import * as Backoff from "../budget/Backoff.js"
import * as Requests from "../budget/Requests.js"
import type { SyncMetrics } from "../Metrics.js"
import type * as Checkpoint from "../state/Checkpoint.js"
import type * as Milestones from "../state/Milestones.js"
import type { Applier } from "./Apply.js"
import * as Eta from "./Eta.js"
import type { Reporter } from "./Status.js"

export interface Options {
  readonly sync: Ids.SyncId
  readonly connection: Connector.Connection
  readonly applier: Applier
  readonly store: Checkpoint.Store
  readonly status: Reporter
  readonly metrics: SyncMetrics
  /** The sync's request budget: the ETA counts what is left in requests. */
  readonly budget: Requests.Budget
  /** Every record published and not deleted, last stored before the given time (from the publisher). */
  readonly live: (before: number) => ReadonlyArray<Connector.RecordRef>
}

interface Fetched {
  readonly page: Connector.Page
  readonly readStartedAt: number
  /** Requests the item has made in this run up to this page, this page's included. */
  readonly requests: number
}

/** Pages an item fetches ahead of the one being published. */
const PREFETCH = 8

type Failure = Connector.Refusal | Errors.NatsError | Checkpoint.CheckpointConflict

/** Progress per collection, from the items' states. */
export const progressOf = (checkpoint: Checkpoint.Checkpoint): Record<string, SyncStatus.CollectionProgress> => {
  const progress: Record<string, SyncStatus.CollectionProgress> = {}
  for (const item of Object.values(checkpoint.items)) {
    item.collections.forEach((collection, index) => {
      // A collection filled by several items (Stripe's payment methods: the account's and
      // each customer's) is done when all of them are.
      const before = progress[collection]
      progress[collection] = {
        records: checkpoint.row_counts[collection] ?? 0,
        pages: (before?.pages ?? 0) + (index === 0 ? item.pages : 0),
        done: (before?.done ?? true) && item.done
      }
    })
  }
  return progress
}

/**
 * What this run's published pages of an item cost, for the ETA: the checkpoint does not keep it.
 * How far the item is and how many pages it has are the checkpoint's.
 */
interface PagesCost {
  /** Requests made for the pages published in this run. */
  readonly requests: number
  readonly first: Eta.ItemRun["first"]
}

/**
 * The backfill's state, in one place so that a sample for the ETA never sees a page in the
 * checkpoint without its cost, or the other way round.
 */
interface Progress {
  readonly checkpoint: Checkpoint.Checkpoint
  readonly costs: ReadonlyMap<string, PagesCost>
}

/**
 * The progress an actor reports from its start (a resume, a config change, a lease taken
 * over), before any backfill of its own reports: the checkpoint's, or, when the checkpoint is
 * gone or older than the last `backfill_complete`, that milestone's row counts. Without it a
 * sync whose backfill was long complete showed no records until its next backfill.
 */
export const progressAtStart = (
  checkpoint: Option.Option<Checkpoint.Checkpoint>,
  milestones: ReadonlyArray<Milestones.Milestone>
): Record<string, SyncStatus.CollectionProgress> => {
  const complete = milestones.filter((m) => m._tag === "backfill_complete").at(-1)
  if (Option.isSome(checkpoint) && (complete === undefined || checkpoint.value.generation >= complete.generation)) {
    return progressOf(checkpoint.value)
  }
  if (complete === undefined) return {}
  return Object.fromEntries(Object.entries(complete.row_counts).map(([collection, records]) => [collection, { records, pages: 0, done: true }]))
}

/** The ETA in the progress log: known, or what its estimate waits for. */
const etaText = (etaSeconds: number | undefined, estimating: SyncStatus.Estimating | undefined): string => {
  if (etaSeconds !== undefined) return `eta ${etaSeconds} s`
  if (estimating === undefined) return "eta unknown"
  const atLeast = estimating.eta_seconds_at_least === undefined ? "" : `, at least ${estimating.eta_seconds_at_least} s`
  return `eta unknown: ${estimating.work_items} work items estimating (${estimating.requests} requests for their first pages)${atLeast}`
}

const add = (into: Record<string, number>, counts: ReadonlyMap<string, number>): Record<string, number> => {
  const out = { ...into }
  for (const [collection, n] of counts) out[collection] = (out[collection] ?? 0) + n
  return out
}

export const run = (options: Options, initial: Checkpoint.Checkpoint, items: ReadonlyArray<Connector.WorkItem>) =>
  Effect.gen(function*() {
    const { sync, connection, applier, store, status, metrics, budget } = options
    const startedAt = Date.now()
    const seeded: Checkpoint.Checkpoint = {
      ...initial,
      items: Object.fromEntries(items.map((item) => [
        item.key,
        initial.items[item.key] ?? { collections: item.collections, cursor: null, done: false, records: 0, pages: 0 }
      ]))
    }
    const state = yield* Ref.make<Progress>({ checkpoint: seeded, costs: new Map() })
    const checkpointNow = Effect.map(Ref.get(state), (s) => s.checkpoint)
    yield* store.save(seeded)

    const eta = yield* Ref.make(Eta.start(startedAt, budget.taken(), budget.perSecond))
    const spentAtStart = new Map(items.map((item) => [item.key, budget.takenFor(item.key)]))
    const requestsOf = (key: string) => budget.takenFor(key) - (spentAtStart.get(key) ?? 0)
    /** Items whose pages the API refuses for now. */
    const retrying = yield* Ref.make(new Set<string>())
    const sample = ({ checkpoint, costs }: Progress, ofRetrying: ReadonlySet<string>): Eta.Sample => ({
      at: Date.now(),
      items: Object.entries(checkpoint.items).map(([key, item]) => {
        const cost = costs.get(key)
        return {
          done: item.done,
          from: seeded.items[key]?.progress ?? 0,
          fraction: item.progress,
          pages: item.pages - (seeded.items[key]?.pages ?? 0),
          requests: cost?.requests ?? 0,
          requestsMade: requestsOf(key),
          first: cost?.first,
          retrying: ofRetrying.has(key)
        }
      }),
      requestsMade: budget.taken(),
      budgetPerSecond: budget.perSecond
    })

    const report = Effect.gen(function*() {
      const current = yield* Ref.get(state)
      const now = sample(current, yield* Ref.get(retrying))
      const estimate = yield* Ref.updateAndGet(eta, (before) => Eta.next(before, now))
      yield* status.setProgress(progressOf(current.checkpoint), Eta.shown(estimate), Eta.estimating(estimate, now))
    })

    const logProgress = Effect.gen(function*() {
      const current = yield* checkpointNow
      const etaSeconds = Eta.shown(yield* Ref.get(eta))
      const { estimating } = yield* status.state
      const items = Object.values(current.items)
      yield* Effect.logInfo(
        `backfill: ${items.filter((i) => i.done).length}/${items.length} work items done, ` +
          `${Object.values(current.row_counts).reduce((a, b) => a + b, 0)} records, ` +
          `${items.reduce((a, i) => a + i.pages, 0)} pages, ${etaText(etaSeconds, estimating)}`
      ).pipe(Effect.annotateLogs({ row_counts: current.row_counts }))
    })

    /**
     * Records published before this backfill began that it did not see (deleted upstream
     * while the sync was away) are read afresh: the ones that are gone become deletes, the
     * others stay as they are. Records an interrupted run of this backfill published carry a
     * later time, so a resumed backfill does not read them again.
     */
    const reconcile = Effect.gen(function*() {
      const seen = applier.observed()
      // Collections the sync followed all along (a backfill of collections added to a live
      // sync) are as current as the feed: only what this backfill fills anew is reconciled.
      const followed = new Set(initial.collections ?? [])
      const filled = new Set(items.flatMap((item) => item.collections).filter((c) => !followed.has(c)))
      const unseen = options.live(initial.started_at).filter((ref) => filled.has(ref.collection) && !seen.has(`${ref.collection}/${ref.upstreamId}`))
      if (unseen.length === 0) return
      yield* Effect.logInfo(`backfill: reading ${unseen.length} records it did not see, to find the deleted ones`)
      yield* applier.apply({ observations: [], malformed: [] }, undefined, unseen)
    })

    /** A page, retried when the API refuses this item (others go on); a refused key fails the sync. */
    const fetch = (item: Connector.WorkItem, cursor: unknown) =>
      Effect.gen(function*() {
        for (let attempt = 1; ; attempt++) {
          const readStartedAt = Date.now()
          const result = yield* Effect.either(connection.backfill.page(item, cursor as Connector.Json | null))
          if (result._tag === "Right") {
            // The refusal is over: it no longer explains anything in the status.
            if (attempt > 1) {
              yield* status.setReason(undefined)
              yield* Ref.update(retrying, (keys) => new Set([...keys].filter((key) => key !== item.key)))
            }
            return { page: result.right, readStartedAt, requests: requestsOf(item.key) }
          }
          if (result.left._tag === "UpstreamAuthFailed") return yield* Effect.fail(result.left)
          const wait = Backoff.delay(Backoff.patient, attempt)
          yield* Ref.update(retrying, (keys) => new Set(keys).add(item.key))
          // In the status too, so an operator sees why the backfill does not move (a bad
          // Stripe-Account, a collection the key may not read), not only in the logs.
          yield* status.setReason(`the API refused the backfill of ${item.key}: ${result.left.message}; retrying`)
          yield* Effect.logError(`backfill of ${item.key} refused: ${result.left.message}; retrying in ${wait} ms`)
          yield* Effect.sleep(wait)
        }
      })

    const runItem = (item: Connector.WorkItem): Effect.Effect<void, Failure> =>
      Effect.gen(function*() {
        const begin = (yield* checkpointNow).items[item.key]
        if (begin === undefined || begin.done) return
        // Pages are fetched ahead (their cursors come one from another) while earlier ones
        // are published, so an item's requests do not wait for JetStream.
        // A failure of the fetching fiber (a refused key) comes through the queue too, after
        // the pages before it, and ends the item.
        const ahead = yield* Queue.bounded<Exit.Exit<Fetched, Failure>>(PREFETCH)
        yield* Effect.fork(Effect.gen(function*() {
          let cursor: unknown = begin.cursor
          for (;;) {
            const fetched = yield* fetch(item, cursor)
            yield* Queue.offer(ahead, Exit.succeed(fetched))
            if (fetched.page.next === null) return
            cursor = fetched.page.next
          }
        }).pipe(Effect.locally(Requests.spentFor, item.key), Effect.onExit((exit) =>
          // Interrupted only when the item itself has ended: nobody takes from the queue any more.
          Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? Queue.offer(ahead, Exit.failCause(exit.cause)) : Effect.void
        )))
        for (;;) {
          const { page, readStartedAt, requests } = yield* Effect.flatten(Queue.take(ahead))
          const counts = yield* applier.apply(page, readStartedAt)
          const found = [...counts.values()].reduce((a, b) => a + b, 0)
          yield* Ref.update(state, ({ checkpoint, costs }) => {
            const before = checkpoint.items[item.key] ?? begin
            const first = costs.get(item.key)?.first ?? (page.progress === undefined ? undefined : { fraction: page.progress, requests })
            return {
              checkpoint: {
                ...checkpoint,
                items: {
                  ...checkpoint.items,
                  [item.key]: {
                    ...before,
                    cursor: page.next,
                    done: page.next === null,
                    records: before.records + found,
                    pages: before.pages + 1,
                    ...(page.progress === undefined ? {} : { progress: page.progress })
                  }
                },
                row_counts: add(checkpoint.row_counts, counts)
              },
              costs: new Map(costs).set(item.key, { requests, first })
            }
          })
          yield* store.saveLatest(checkpointNow)
          metrics.pages.inc({ sync, work_item: item.key })
          if (page.next === null) {
            const done = (yield* checkpointNow).items[item.key]
            yield* Effect.logInfo(
              `work item ${item.key} done: ${done?.records ?? 0} records, ${done?.pages ?? 0} pages in ${Math.round((Date.now() - startedAt) / 100) / 10} s`
            )
            return
          }
        }
      }).pipe(Effect.annotateLogs({ work_item: item.key }))

    const reporter = yield* Effect.fork(Effect.forever(Effect.zipRight(report, Effect.sleep("1 second"))))
    const waiting = Object.values(seeded.items).filter((i) => !i.done).length
    yield* Effect.logInfo(
      `backfill: ${waiting} of ${items.length} work items to do; the ETA is known once each has published a page ` +
        `(its first page carries its setup work, such as the Stripe connector's probes for the oldest object)`
    )
    const logger = yield* Effect.fork(Effect.forever(Effect.zipRight(Effect.sleep("10 seconds"), logProgress)))
    // Records published before this backfill began are the only ones it may have to read
    // afresh; with none (a first backfill) there is nothing to reconcile, and remembering
    // every record it observes would be work for nothing.
    const reconciling = options.live(initial.started_at).length > 0
    applier.track(reconciling)
    yield* Effect.forEach(items, runItem, { concurrency: "unbounded", discard: true })
    yield* Fiber.interrupt(reporter)
    yield* Fiber.interrupt(logger)
    yield* report
    if (reconciling) yield* reconcile
    applier.track(false)
    const done = yield* checkpointNow
    yield* Effect.logInfo(`backfill complete in ${Math.round((Date.now() - startedAt) / 1000)} s`).pipe(
      Effect.annotateLogs({ row_counts: done.row_counts })
    )
    return done
  })

/**
 * The change feed over `/v1/events`.
 *
 * Stripe's events list is eventually consistent: an event can become listable seconds
 * after events with a later `created`. So the feed never trusts "newer than the last id":
 * - every poll lists `created >= position - lookback` (a couple of seconds), and
 * - every `rescanIntervalMs` it lists the whole overlap window (`created >= position -
 *   overlap`, 60 s by default) again,
 * skipping event ids it has already handed over. Behind by more than a chunk (after a
 * backfill, or a restart) it walks forward in `created` chunks, oldest first, so changes
 * reach the engine in order. The cursor is `{position, sweeps}` in seconds of Stripe's
 * clock. Events older than 30 days are gone: the feed then says `FeedExpired`.
 *
 * Some objects are created without an event: balance transactions (which never change),
 * payment methods (announced only when attached) and checkout sessions (announced only when
 * completed or expired). Every `sweepIntervalMs` the feed lists the ones created since the
 * last sweep, newest first (a "sweep").
 */
import { Connector } from "@tributary/core"
import type { Collection } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import * as EventMapping from "./EventMapping.js"
import { isRecord } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"
import * as Nested from "./Nested.js"

export interface FeedOptions {
  /** Re-scanned on every poll, for events listed a little late (seconds). */
  readonly lookbackSeconds: number
  /** Re-scanned every `rescanIntervalMs`, for events listed very late (seconds). */
  readonly overlapSeconds: number
  readonly rescanIntervalMs: number
  /** How far one catch-up step reaches (seconds). */
  readonly chunkSeconds: number
  /** How often the collections created without events are listed for new objects. */
  readonly sweepIntervalMs: number
}

export const defaultFeedOptions: FeedOptions = {
  lookbackSeconds: 2,
  overlapSeconds: 60,
  rescanIntervalMs: 5_000,
  chunkSeconds: 300,
  sweepIntervalMs: 30_000
}

export const RETENTION_SECONDS = 30 * 86_400

/** Collections whose objects can appear without an event. */
const SWEPT = [Catalog.ids.balanceTransaction, Catalog.ids.paymentMethod, Catalog.ids.checkoutSession]

interface Cursor {
  /** Every event created before `position - lookback` has been listed at least once (seconds). */
  readonly position: number
  /** Objects created without an event before this were listed (seconds). */
  readonly sweep: number
}

const decodeCursor = (json: Connector.Json): Cursor | undefined =>
  isRecord(json) && typeof json.position === "number" && typeof json.sweep === "number"
    ? { position: json.position, sweep: json.sweep }
    : undefined

const encodeCursor = (cursor: Cursor): Connector.Json => ({ position: cursor.position, sweep: cursor.sweep })

const expired = (detail: string) => new Connector.FeedExpired({ source: Catalog.SOURCE, detail })

export const make = (
  client: Client,
  collections: ReadonlyArray<Collection.CollectionId>,
  options: FeedOptions = defaultFeedOptions
): Connector.ChangeFeed => {
  const swept = SWEPT.flatMap((id) => {
    const entry = Catalog.entry(id)
    return entry?.list !== undefined && collections.includes(id) ? [{ entry, list: entry.list }] : []
  })
  /** Event ids handed over, with their `created`, pruned as the window moves on. */
  const seen = new Map<string, number>()
  let lastRescanAt = 0
  let lastSweepAt = 0

  const nowSeconds = () => Math.floor(client.clock.now() / 1000)

  const head: Connector.ChangeFeed["head"] = Effect.map(
    client.call("read the newest event", (stripe) => stripe.events.list({ limit: 1 })),
    ({ value, version }) => {
      const newest = value.data[0]
      const position = newest !== undefined && typeof newest.created === "number" ? newest.created : Math.floor(version.to / 1000)
      return encodeCursor({ position, sweep: position })
    }
  )

  /** Every event in `[from, to)`, as listed (newest first). */
  const listEvents = (from: number, to: number | undefined) =>
    Effect.gen(function*() {
      const events: Array<unknown> = []
      let after: string | undefined
      for (;;) {
        const created = to === undefined ? { gte: from } : { gte: from, lt: to }
        const page = yield* client.call("list events", (stripe) =>
          stripe.events.list({ created, limit: 100, ...(after === undefined ? {} : { starting_after: after }) }))
        events.push(...page.value.data)
        const last = page.value.data[page.value.data.length - 1]
        if (!page.value.has_more || last === undefined) return events
        after = last.id
      }
    }).pipe(
      // Stripe refuses a `created` filter reaching past its retention.
      Effect.catchIf(
        (error) => error._tag === "UpstreamRejected" && error.param !== undefined && error.param.startsWith("created"),
        (error) => Effect.fail(expired(error.detail))
      )
    )

  /**
   * New objects of a collection whose creation Stripe announces with no event, newest first
   * down to `since - overlap`. Known ones come back unchanged and are not republished.
   */
  const sweep = (entry: Catalog.Entry, list: NonNullable<Catalog.Entry["list"]>, since: number) =>
    Effect.gen(function*() {
      const observed: Array<Connector.Observed> = []
      const floor = since - options.overlapSeconds
      let newest = since
      let after: string | undefined
      for (;;) {
        const page = yield* client.call(`list new ${entry.id}`, (stripe) =>
          list(stripe, after === undefined ? { limit: 100 } : { limit: 100, starting_after: after }))
        const { objects, malformed } = Observe.partition(entry.id, page.value.data)
        const recent = objects.filter((o) => typeof o.created !== "number" || o.created >= floor)
        for (const o of recent) if (typeof o.created === "number") newest = Math.max(newest, o.created)
        observed.push({ observations: [], malformed })
        observed.push(...(yield* Effect.forEach(recent, (o) => Nested.observeRead(client, entry, o, page.version), { concurrency: 4 })))
        const last = objects[objects.length - 1]
        if (!page.value.has_more || last === undefined || recent.length < objects.length) {
          return { observed: Observe.concat(observed), newest }
        }
        after = last.id
      }
    })

  const next: Connector.ChangeFeed["next"] = (json) =>
    Effect.gen(function*() {
      const cursor = decodeCursor(json)
      if (cursor === undefined) return yield* Effect.dieMessage(`not a Stripe feed cursor: ${JSON.stringify(json)}`)
      // Whether the cursor has expired is Stripe's clock's to say, not ours: an actor that has
      // not heard from Stripe yet (just started, e.g. after a long pause) asks it first.
      if (!client.clock.synced()) yield* head
      const now = nowSeconds()
      if (now - cursor.position > RETENTION_SECONDS - 3600) {
        return yield* expired(`the cursor is at ${new Date(cursor.position * 1000).toISOString()}`)
      }
      const rescan = Date.now() - lastRescanAt >= options.rescanIntervalMs
      const from = cursor.position - (rescan ? options.overlapSeconds : options.lookbackSeconds)
      const catchingUp = now - from > options.chunkSeconds
      const to = catchingUp ? from + options.chunkSeconds : undefined
      const listed = yield* listEvents(from, to)
      if (rescan) lastRescanAt = Date.now()

      // Oldest first; within a second, the reverse of the list order (which is newest first).
      const fresh = listed
        .map((event, index) => ({ event, index, created: EventMapping.isEvent(event) ? event.created : 0 }))
        .filter(({ event }) => !(EventMapping.isEvent(event) && seen.has(event.id)))
        .sort((a, b) => a.created - b.created || b.index - a.index)
      let newest = cursor.position
      const mapped = fresh.map(({ event, created }) => {
        if (EventMapping.isEvent(event)) seen.set(event.id, created)
        newest = Math.max(newest, created)
        return EventMapping.map(event)
      })

      let position = catchingUp && to !== undefined ? Math.max(cursor.position, to) : Math.max(newest, now - options.lookbackSeconds)
      position = Math.max(position, cursor.position)
      for (const [id, created] of seen) if (created < position - options.overlapSeconds - options.lookbackSeconds) seen.delete(id)

      let sweepPosition = cursor.sweep
      const found: Array<Connector.Observed> = []
      if (swept.length > 0 && !catchingUp && Date.now() - lastSweepAt >= options.sweepIntervalMs) {
        for (const { entry, list } of swept) {
          const result = yield* sweep(entry, list, cursor.sweep)
          found.push(result.observed)
          sweepPosition = Math.max(sweepPosition, result.newest)
        }
        // Lists are read-after-write consistent: what was created before now is listed now.
        sweepPosition = Math.max(sweepPosition, now - options.lookbackSeconds)
        lastSweepAt = Date.now()
      }
      const all = Observe.concat([...mapped, ...found])
      return {
        ...all,
        refresh: mapped.flatMap((m) => m.refresh),
        cursor: encodeCursor({ position, sweep: sweepPosition }),
        caughtUp: !catchingUp
      } satisfies Connector.FeedBatch
    })

  return { head, next }
}

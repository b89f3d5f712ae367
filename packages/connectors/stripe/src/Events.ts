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
 * Balance transactions have no events and never change; the feed lists the new ones by
 * `created` every `sweepIntervalMs` instead (a "sweep").
 */
import { Connector } from "@tributary/core"
import type { Collection } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import * as EventMapping from "./EventMapping.js"
import { isRecord } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"

export interface FeedOptions {
  /** Re-scanned on every poll, for events listed a little late (seconds). */
  readonly lookbackSeconds: number
  /** Re-scanned every `rescanIntervalMs`, for events listed very late (seconds). */
  readonly overlapSeconds: number
  readonly rescanIntervalMs: number
  /** How far one catch-up step reaches (seconds). */
  readonly chunkSeconds: number
  /** How often balance transactions are listed by `created`. */
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

interface Cursor {
  /** Every event created before `position - lookback` has been listed at least once (seconds). */
  readonly position: number
  /** Balance transactions created before this were listed (seconds). */
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
  const sweepsBalance = collections.includes(Catalog.ids.balanceTransaction)
  /** Event ids handed over, with their `created`, pruned as the window moves on. */
  const seen = new Map<string, number>()
  let lastRescanAt = 0
  let lastSweepAt = Date.now()

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

  const sweepBalance = (since: number) =>
    Effect.gen(function*() {
      const observed: Array<Connector.Observed> = []
      let newest = since
      let after: string | undefined
      for (;;) {
        const { value, version } = yield* client.call("list new balance transactions", (stripe) =>
          stripe.balanceTransactions.list({
            created: { gte: Math.max(0, since - options.overlapSeconds) },
            limit: 100,
            ...(after === undefined ? {} : { starting_after: after })
          }))
        const { objects, malformed } = Observe.partition(Catalog.ids.balanceTransaction, value.data)
        for (const o of objects) if (typeof o.created === "number") newest = Math.max(newest, o.created)
        observed.push({ observations: objects.map((o) => Observe.read(Catalog.ids.balanceTransaction, o, version)), malformed })
        const last = objects[objects.length - 1]
        if (!value.has_more || last === undefined) return { observed: Observe.concat(observed), newest }
        after = last.id
      }
    })

  const next: Connector.ChangeFeed["next"] = (json) =>
    Effect.gen(function*() {
      const cursor = decodeCursor(json)
      if (cursor === undefined) return yield* Effect.dieMessage(`not a Stripe feed cursor: ${JSON.stringify(json)}`)
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

      let sweep = cursor.sweep
      const swept: Array<Connector.Observed> = []
      if (sweepsBalance && !catchingUp && Date.now() - lastSweepAt >= options.sweepIntervalMs) {
        const result = yield* sweepBalance(cursor.sweep)
        lastSweepAt = Date.now()
        swept.push(result.observed)
        sweep = result.newest
      }
      const all = Observe.concat([...mapped, ...swept])
      return {
        ...all,
        refresh: mapped.flatMap((m) => m.refresh),
        cursor: encodeCursor({ position, sweep }),
        caughtUp: !catchingUp
      } satisfies Connector.FeedBatch
    })

  return { head, next }
}

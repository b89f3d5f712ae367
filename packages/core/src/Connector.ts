/**
 * The contract between the sync engine (and, later, the write proxy) and one upstream API.
 *
 * A connector knows one API: how to page its collections, how to find what changed, how
 * to read one object afresh and how it limits requests. The engine knows everything that
 * is the same for every API: actors and leases, the request budget and back-off,
 * checkpoints, the ordering guard and publishing. Sources differ in their change
 * mechanism (Stripe's `/v1/events`, GitHub's `since` and ETags, Salesforce's
 * `SystemModstamp`, HubSpot's search index, Airtable's full scans or webhook payloads);
 * each hides it behind `ChangeFeed.next` and an opaque, JSON-serialisable cursor that the
 * engine checkpoints without reading it.
 */
import type { Effect, Redacted, Scope } from "effect"
import { Schema } from "effect"
import type { CollectionId } from "./Collection.js"
import type { SourceName } from "./Ids.js"
import type { RateBudget } from "./SyncConfig.js"
import type { UpstreamAuthFailed, UpstreamError, UpstreamRejected } from "./UpstreamErrors.js"

/** Anything `JSON.stringify` round-trips: cursors are stored in KV as JSON. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * When an observed state was current, as an interval on the upstream's clock (epoch ms).
 * Upstream clocks are coarse (Stripe's are whole seconds), so a point would claim an order
 * the API never promised; two versions whose intervals overlap cannot be ordered.
 */
export interface Version {
  readonly from: number
  readonly to: number
}

/**
 * Where an observation came from:
 * - `read`: this engine asked the API for the object, so it is at least as new as every
 *   version published before the read began;
 * - `reported`: the upstream reported a change (an event payload), which may arrive late
 *   and behind newer ones.
 */
export type Origin = "read" | "reported"

/** One observed state of one upstream object. */
export interface Observation {
  readonly collection: CollectionId
  readonly upstreamId: string
  readonly deleted: boolean
  /** The object; `null` for a delete whose last state is unknown (the engine keeps the last published data). */
  readonly data: Readonly<Record<string, unknown>> | null
  /** When the object was created upstream (epoch ms), when the API says. */
  readonly createdAt: number | null
  readonly version: Version
  readonly origin: Origin
  /** The upstream change this version comes from (`evt_…`), when there is one. */
  readonly changeId?: string
  /** The previous values of the fields that changed, when the upstream says (Stripe's `previous_attributes`). */
  readonly changes?: Readonly<Record<string, unknown>> | null
}

/** An object to read afresh: the feed said it changed but not how, or two versions could not be ordered. */
export interface RecordRef {
  readonly collection: CollectionId
  readonly upstreamId: string
}

/** An object the connector could not understand. The engine logs it with its id and goes on. */
export interface Malformed {
  readonly collection: CollectionId
  readonly upstreamId: string | null
  readonly detail: string
}

/** What one step of reading produced. */
export interface Observed {
  readonly observations: ReadonlyArray<Observation>
  readonly malformed: ReadonlyArray<Malformed>
}

/**
 * A unit of backfill with a cursor of its own (`{collection, cursor}` in the engine's
 * checkpoint). One listing may fill several collections: Stripe's invoice listing also
 * yields the invoices' line items.
 */
export interface WorkItem {
  /** Stable across restarts: it keys the checkpoint. */
  readonly key: string
  readonly collections: ReadonlyArray<CollectionId>
}

export interface Page extends Observed {
  /** Where the next page starts; `null` when the work item is done. */
  readonly next: Json | null
  /** How far through the work item this page is (0–1), when the connector can tell; drives the ETA. */
  readonly progress?: number
}

/** Errors that retrying cannot fix. Rate limits and outages never reach the engine's callers (see `Requests`). */
export type Refusal = UpstreamAuthFailed | UpstreamRejected

/** The cursor is older than the upstream keeps changes for (Stripe: 30 days): only a new backfill can catch up. */
export class FeedExpired extends Schema.TaggedError<FeedExpired>()("FeedExpired", {
  source: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.source} no longer has the changes since the sync's cursor (${this.detail}); a new backfill is needed`
  }
}

export interface FeedBatch extends Observed {
  /** Objects to read afresh because the feed said they changed without saying how. */
  readonly refresh: ReadonlyArray<RecordRef>
  readonly cursor: Json
  /** True when this batch reached the present: the engine waits its poll interval before asking again. */
  readonly caughtUp: boolean
}

export interface ChangeFeed {
  /**
   * The feed's position now. The engine takes it before a backfill starts and replays from
   * it afterwards, so no change made during the backfill is lost.
   */
  readonly head: Effect.Effect<Json, Refusal>
  /** Changes after `cursor`, oldest first. Connectors re-scan overlap windows and deduplicate inside. */
  readonly next: (cursor: Json) => Effect.Effect<FeedBatch, Refusal | FeedExpired>
}

export interface Backfill {
  /** The work items that fill `collections`. */
  readonly plan: (collections: ReadonlyArray<CollectionId>) => ReadonlyArray<WorkItem>
  /** One page of a work item; `cursor` is `null` at the start. Nested lists come fully paged. */
  readonly page: (item: WorkItem, cursor: Json | null) => Effect.Effect<Page, Refusal>
}

/**
 * How the upstream limits requests, as a window: Stripe 100 per second, GitHub 5,000 per
 * hour, HubSpot 100 per 10 seconds. The engine runs a token bucket at the sync's share of it.
 */
export interface RateLimitShape {
  readonly requests: number
  readonly windowMs: number
}

/** What an upstream's limit may depend on: the key (Stripe's test and live modes differ) and where the API lives. */
export interface RateLimitEndpoint {
  readonly apiKey: Redacted.Redacted<string>
  /** `undefined` means the source's public endpoint. */
  readonly apiBaseUrl: string | undefined
}

/**
 * The engine's side of every upstream request: connectors wrap each SDK call in `run`,
 * which waits for a token of the sync's budget, retries rate limits and outages with
 * back-off (honouring what the API said about retrying) and never gives up on them. Only
 * refusals reach the connector's caller.
 */
export interface Requests {
  readonly run: <A>(operation: string, request: Effect.Effect<A, UpstreamError>) => Effect.Effect<A, Refusal>
}

/** One write to the upstream: one API request per row (Stripe) or per batch (`Writer.batchSize`). */
export interface WriteOp {
  readonly action: "insert" | "update" | "delete"
  readonly collection: CollectionId
  /** The object to update or delete; absent on insert. */
  readonly upstreamId?: string
  readonly values: Readonly<Record<string, unknown>>
  /** Sent as the upstream's idempotency key where it has one, so a retried write applies once. */
  readonly idempotencyKey: string
}

/** A write the upstream cannot do at all (delete a Stripe price), and what to do instead. */
export interface WriteRefusal {
  readonly message: string
  readonly hint: string
}

/**
 * The write side, for the proxy: each op returns the object as the API left it, so the
 * caller can publish it (read-after-write) with the same ordering guard as the sync.
 */
export interface Writer {
  /** Rows one upstream request can carry (Stripe 1, Airtable 10, HubSpot 100, Salesforce 200). */
  readonly batchSize: number
  /** Rows one SQL statement may touch before the proxy refuses it. */
  readonly maxRowsPerStatement: number
  /** Why `action` on `collection` can never succeed upstream, checked before any request; undefined when it can. */
  readonly refuses: (collection: CollectionId, action: WriteOp["action"]) => WriteRefusal | undefined
  readonly write: (ops: ReadonlyArray<WriteOp>) => Effect.Effect<ReadonlyArray<Observation>, UpstreamError>
}

/** One account of the source, connected with the sync's credentials. */
export interface Connection {
  readonly backfill: Backfill
  readonly changes: ChangeFeed
  /** Read objects afresh. A missing object comes back as a delete (`deleted: true`). */
  readonly refresh: (refs: ReadonlyArray<RecordRef>) => Effect.Effect<Observed, Refusal>
  /** Absent when the connector cannot write. */
  readonly writer?: Writer
}

export interface CollectionSpec {
  readonly id: CollectionId
  /**
   * The children this object's data lists completely (a Stripe invoice's line items), so
   * the engine can tombstone a child that left its parent; `undefined` when the data does
   * not list them completely.
   */
  readonly childrenOf?: (data: Readonly<Record<string, unknown>>) => ReadonlyArray<RecordRef> | undefined
}

export interface ConnectOptions {
  readonly apiKey: Redacted.Redacted<string>
  /** A sub-account to act for (Stripe's `Stripe-Account`). */
  readonly account: string | undefined
  /** Where the API lives; `undefined` means the source's public endpoint. */
  readonly apiBaseUrl: string | undefined
  /** The collections the sync mirrors. */
  readonly collections: ReadonlyArray<CollectionId>
  readonly requests: Requests
}

export interface Connector {
  readonly source: SourceName
  /** Every collection the connector offers. */
  readonly collections: ReadonlyArray<CollectionSpec>
  /**
   * The upstream's quota for a sync with this budget: the budget's own quota when it sets
   * one, else the upstream's limit for this key at this endpoint.
   */
  readonly rateLimit: (budget: RateBudget, endpoint: RateLimitEndpoint) => RateLimitShape
  /**
   * Whether the upstream computes this field (`invoice.total`) and never takes it in a
   * write; `field` is a dot path. Known without an account, so the proxy refuses such a
   * write when it classifies it and leaves these fields out of its list of writable columns.
   */
  readonly computes: (collection: CollectionId, field: string) => boolean
  readonly connect: (options: ConnectOptions) => Effect.Effect<Connection, never, Scope.Scope>
}

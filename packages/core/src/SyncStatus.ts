/**
 * What a sync is doing, as its actor reports it into the `checkpoints` bucket (key
 * `<sync_id>.status`). The management API and `tributary syncs list` read it.
 *
 * Lifecycle: pending → backfilling → catching_up → live; any phase → failed (a refused
 * API key) or paused (by an operator); resume returns to where the checkpoint says.
 */
import { Schema } from "effect"
import { CollectionId } from "./Collection.js"
import { SyncId } from "./Ids.js"

export const Phase = Schema.Literal("pending", "backfilling", "catching_up", "live", "paused", "failed")
export type Phase = typeof Phase.Type

export const CollectionProgress = Schema.Struct({
  records: Schema.Number,
  pages: Schema.Number,
  done: Schema.Boolean
})
export type CollectionProgress = typeof CollectionProgress.Type

/**
 * While a backfill's ETA is not known yet: what it waits for. The ETA is known once every
 * unfinished work item has published a page in this run (an item whose first page is still
 * coming may be of any size) and one of them has told how far it is.
 */
export const Estimating = Schema.Struct({
  /** Unfinished work items that have not published a page in this run yet (for Stripe: probing for their oldest object, or reading their first page). */
  work_items: Schema.Number,
  /** Requests made so far for those items: it rises while they probe. */
  requests: Schema.Number,
  /**
   * Seconds the work items that have told how far they are still need, counted as the ETA is:
   * the ETA will be at least this, the items still estimating coming on top. Absent until one
   * has told.
   */
  eta_seconds_at_least: Schema.optional(Schema.Number)
})
export type Estimating = typeof Estimating.Type

export class SyncStatus extends Schema.Class<SyncStatus>("SyncStatus")({
  sync_id: SyncId,
  phase: Phase,
  /** Why the sync failed or is waiting, in words an operator can act on. */
  reason: Schema.optional(Schema.String),
  /** The replica running the sync's actor. */
  owner: Schema.optional(Schema.String),
  progress: Schema.Record({ key: CollectionId, value: CollectionProgress }),
  /** Estimated seconds until the backfill completes. */
  eta_seconds: Schema.optional(Schema.Number),
  /** While the backfill runs and `eta_seconds` is not known yet: how far its estimate has got. */
  estimating: Schema.optional(Estimating),
  /** How far behind upstream the copy is, in seconds: about 0 once the change feed is caught up, set from the first poll on. */
  lag_seconds: Schema.optional(Schema.Number),
  updated_at: Schema.String
}) {}

export const key = (sync: SyncId): string => `${sync}.status`

/**
 * Milestones of a sync, as kept in the `SYNC_LOG` stream (subject `<root>.synclog.<sync>`),
 * and the decision, made from them at start, of where a sync resumes. Pure.
 */
import { Schema } from "effect"

const Cursor = Schema.Unknown

export const BackfillStarted = Schema.TaggedStruct("backfill_started", {
  at: Schema.String,
  /** Counts the backfills of this sync; a checkpoint belongs to one generation. */
  generation: Schema.Number,
  /** The change feed's head, taken before the backfill: the changes after it are replayed. */
  cursor: Cursor,
  collections: Schema.Array(Schema.String)
})

export const BackfillComplete = Schema.TaggedStruct("backfill_complete", {
  at: Schema.String,
  generation: Schema.Number,
  cursor: Cursor,
  row_counts: Schema.Record({ key: Schema.String, value: Schema.Number })
})

export const EventsCaughtUp = Schema.TaggedStruct("events_caught_up", {
  at: Schema.String,
  generation: Schema.Number,
  cursor: Cursor
})

/** The change feed no longer reaches back to the cursor: the next start backfills again. */
export const CursorExpired = Schema.TaggedStruct("cursor_expired", {
  at: Schema.String,
  generation: Schema.Number,
  detail: Schema.String
})

export const Failed = Schema.TaggedStruct("failed", {
  at: Schema.String,
  reason: Schema.String,
  /** The config revision that failed: a changed config (a new API key) is tried again. */
  config_revision: Schema.Number
})

export const Milestone = Schema.Union(BackfillStarted, BackfillComplete, EventsCaughtUp, CursorExpired, Failed)
export type Milestone = typeof Milestone.Type

export type Plan =
  | { readonly _tag: "Fresh"; readonly generation: number }
  | { readonly _tag: "ResumeBackfill"; readonly generation: number; readonly cursor: unknown }
  | { readonly _tag: "FollowChanges"; readonly generation: number; readonly cursor: unknown; readonly caughtUp: boolean }
  | { readonly _tag: "StayFailed"; readonly reason: string }

/** Where a sync resumes, from its milestones (oldest first) and its config's revision. */
export const plan = (milestones: ReadonlyArray<Milestone>, configRevision: number): Plan => {
  const last = milestones[milestones.length - 1]
  if (last?._tag === "failed" && last.config_revision === configRevision) return { _tag: "StayFailed", reason: last.reason }
  const progress = milestones.filter((m) => m._tag !== "failed")
  const latest = progress[progress.length - 1]
  const generations = progress.flatMap((m) => "generation" in m ? [m.generation] : [])
  const highest = generations.length === 0 ? 0 : Math.max(...generations)
  if (latest === undefined) return { _tag: "Fresh", generation: 1 }
  switch (latest._tag) {
    case "backfill_started":
      return { _tag: "ResumeBackfill", generation: latest.generation, cursor: latest.cursor }
    case "backfill_complete":
      return { _tag: "FollowChanges", generation: latest.generation, cursor: latest.cursor, caughtUp: false }
    case "events_caught_up":
      return { _tag: "FollowChanges", generation: latest.generation, cursor: latest.cursor, caughtUp: true }
    case "cursor_expired":
      return { _tag: "Fresh", generation: highest + 1 }
  }
}

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

/**
 * The key of a failed sync works again (accepted upstream, or decrypted by a replica with the
 * right TRIBUTARY_SECRET_KEY, on a replica with the source's connector): the failure is over, and a
 * later one is a milestone of its own.
 */
export const KeyAccepted = Schema.TaggedStruct("key_accepted", {
  at: Schema.String,
  config_revision: Schema.Number
})

/** The operator changed the sync's config (a new key, a pause): its actor started again with it. */
export const ConfigChanged = Schema.TaggedStruct("config_changed", {
  at: Schema.String,
  config_revision: Schema.Number
})

/** A live sync's change feed fell behind (an outage): it catches up again before it is live. */
export const FellBehind = Schema.TaggedStruct("fell_behind", {
  at: Schema.String,
  generation: Schema.Number,
  detail: Schema.String
})

export const Milestone = Schema.Union(
  BackfillStarted,
  BackfillComplete,
  EventsCaughtUp,
  CursorExpired,
  Failed,
  KeyAccepted,
  ConfigChanged,
  FellBehind
)
export type Milestone = typeof Milestone.Type

/** Where the sync's data stands: what a start resumes from. */
export type Resume =
  | { readonly _tag: "Fresh"; readonly generation: number }
  | { readonly _tag: "ResumeBackfill"; readonly generation: number; readonly cursor: unknown }
  | { readonly _tag: "FollowChanges"; readonly generation: number; readonly cursor: unknown; readonly caughtUp: boolean }

export type Plan =
  | Resume
  /** The key of this config was refused last: try it once before resuming, and stay failed while it is refused. */
  | { readonly _tag: "KeyRefused"; readonly reason: string; readonly resume: Resume }

type Progress = typeof BackfillStarted.Type | typeof BackfillComplete.Type | typeof EventsCaughtUp.Type | typeof CursorExpired.Type

const isProgress = (m: Milestone): m is Progress =>
  m._tag === "backfill_started" || m._tag === "backfill_complete" || m._tag === "events_caught_up" || m._tag === "cursor_expired"

const resumeFrom = (progress: ReadonlyArray<Progress>): Resume => {
  const latest = progress[progress.length - 1]
  const highest = progress.length === 0 ? 0 : Math.max(...progress.map((m) => m.generation))
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

/** Where a sync resumes, from its milestones (oldest first) and its config's revision. */
export const plan = (milestones: ReadonlyArray<Milestone>, configRevision: number): Plan => {
  const failure = lastFailure(milestones, configRevision)
  const resume = resumeFrom(milestones.filter(isProgress))
  return failure === undefined ? resume : { _tag: "KeyRefused", reason: failure.reason, resume }
}

/** The log's last milestone when it is a `failed` of this config revision: the failure episode the sync is in. */
const lastFailure = (milestones: ReadonlyArray<Milestone>, configRevision: number) => {
  const last = milestones[milestones.length - 1]
  return last?._tag === "failed" && last.config_revision === configRevision ? last : undefined
}

/**
 * Whether the log already says this failure: its last milestone is a `failed` of the same
 * config revision and reason. A failure is logged once per episode (replicas that cannot
 * run the sync (the key, the connector) take and let go of it again and again, actors restart); a changed
 * reason, or a failure after `key_accepted` or `config_changed`, is a milestone again.
 */
export const alreadyFailed = (milestones: ReadonlyArray<Milestone>, configRevision: number, reason: string): boolean =>
  lastFailure(milestones, configRevision)?.reason === reason

/**
 * Which collections a sync's copy covers: backfilled, and followed on the change feed since.
 * A collection added to a live sync (or removed and added again) is not covered: its records
 * were never listed (or its changes were skipped while it was not selected), so the feed alone
 * cannot make its copy complete. Such a sync backfills again, within its generation, only the
 * work items of what is not covered, from its feed cursor (replayed afterwards, as after any
 * backfill), and keeps the done items of what is. Pure.
 */
import type { Connector } from "@tributary/core"
import { Option } from "effect"
import * as Checkpoint from "./Checkpoint.js"
import type * as Milestones from "./Milestones.js"

/** The collections the generation covers: its checkpoint's, else its last `backfill_started`'s. */
export const covered = (
  saved: Option.Option<Checkpoint.Checkpoint>,
  milestones: ReadonlyArray<Milestones.Milestone>,
  generation: number
): ReadonlyArray<string> => {
  if (Option.isSome(saved) && saved.value.generation === generation && saved.value.collections !== undefined) {
    return saved.value.collections
  }
  const started = milestones.filter((m) => m._tag === "backfill_started" && m.generation === generation).at(-1)
  return started?._tag === "backfill_started" ? started.collections : []
}

/** The selected collections the copy does not cover, in the order selected. */
export const missing = (covered: ReadonlyArray<string>, selected: ReadonlyArray<string>): ReadonlyArray<string> =>
  selected.filter((collection) => !covered.includes(collection))

/**
 * The checkpoint a backfill of the collections not covered starts from: the done work items
 * whose selected collections are all covered stay done (with their row counts), the others
 * (new, or filling a collection not covered, like subscriptions for their items) run again;
 * `collections` says what is covered, which the backfill does not reconcile; the feed cursor
 * stays, so the changes since it are replayed once the backfill is complete.
 */
export const widened = (
  saved: Option.Option<Checkpoint.Checkpoint>,
  generation: number,
  coveredNow: ReadonlyArray<string>,
  selected: ReadonlyArray<string>,
  items: ReadonlyArray<Connector.WorkItem>,
  feed: Connector.Json
): Checkpoint.Checkpoint => {
  const base = Option.isSome(saved) && saved.value.generation === generation ? saved.value : Checkpoint.empty(generation)
  const kept = coveredNow.filter((collection) => selected.includes(collection))
  const isKept = (collection: string) => kept.includes(collection)
  const carried = Object.fromEntries(items.flatMap((item) => {
    const state = base.items[item.key]
    const fills = item.collections.filter((c) => selected.includes(c))
    const stays = state !== undefined && state.done && fills.length > 0 && fills.every(isKept)
    return stays ? [[item.key, state] as const] : []
  }))
  const runAgain = new Set<string>(items.filter((item) => carried[item.key] === undefined).flatMap((item) => item.collections))
  const counted = new Set<string>(Object.values(carried).flatMap((state) => state.collections))
  const row_counts = Object.fromEntries(
    Object.entries(base.row_counts).filter(([collection]) => counted.has(collection) && !runAgain.has(collection))
  )
  return { ...base, started_at: Date.now(), items: carried, row_counts, feed, collections: kept }
}

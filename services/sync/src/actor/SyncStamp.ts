/**
 * Records carry their sync's `external_id` and `metadata` (the tables' `sync_external_id` and
 * `sync_metadata`): changed by the operator, they are the sync's for every record, not only for
 * those that change upstream from then on. The checkpoint's `sync_stamp` says which ones the
 * records carry; an actor that starts with others publishes the records again with its own (from
 * `RECORDS`, without asking the upstream: `Records.restamp`), then stores the stamp. Killed
 * meanwhile, the next actor goes on: the records already restamped carry the new one.
 */
import type { Errors, Ids, SyncConfig } from "@tributary/core"
import { Effect, Option } from "effect"
import type * as Records from "../publish/Records.js"
import * as Checkpoint from "../state/Checkpoint.js"

/** The stamp of a config: what its records carry of it, as the checkpoint keeps it. */
export const of = (config: SyncConfig.SyncConfig): string =>
  JSON.stringify({ external_id: config.external_id, metadata: config.metadata })

export interface Options {
  readonly sync: Ids.SyncId
  readonly stamp: string
  readonly publisher: Pick<Records.Publisher, "restamp">
  /** How many records the publisher found on `RECORDS`: none, nothing to publish again. */
  readonly loaded: number
  readonly store: Checkpoint.Store
  readonly generation: number
}

/** Publish the records again when the checkpoint does not say they carry `stamp`, then say it. */
export const ensure = (options: Options): Effect.Effect<void, Checkpoint.CheckpointConflict | Errors.NatsError> =>
  Effect.gen(function*() {
    const saved = yield* options.store.current
    if (Option.isSome(saved) && saved.value.sync_stamp === options.stamp) return
    if (options.loaded > 0) {
      const restamped = yield* options.publisher.restamp
      if (restamped > 0) {
        yield* Effect.logInfo(`sync ${options.sync}: published ${restamped} records again with the sync's new external_id and metadata`)
      }
    }
    // Without a checkpoint (none yet, or lost) an empty one of the generation says it: the
    // backfill and the change loop would start from one anyway.
    const base = Option.isSome(saved) ? saved.value : Checkpoint.empty(options.generation)
    yield* options.store.save({ ...base, sync_stamp: options.stamp })
  })

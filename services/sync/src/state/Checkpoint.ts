/**
 * A sync's checkpoint in the `checkpoints` bucket (key `<sync>.checkpoint`): the cursor of
 * every backfill work item and of the change feed. Written after every page, with
 * compare-and-set on the entry's revision, so an actor that lost its lease and still runs
 * cannot overwrite the new owner's progress: its write fails and it stops.
 */
import type { Errors, Ids } from "@tributary/core"
import { Nats } from "@tributary/core"
import { Data, Effect, Option, Ref, Schema } from "effect"

export const ItemState = Schema.Struct({
  collections: Schema.Array(Schema.String),
  /** Where the next page starts; `null` before the first page. */
  cursor: Schema.Unknown,
  done: Schema.Boolean,
  records: Schema.Number,
  pages: Schema.Number,
  progress: Schema.optional(Schema.Number)
})
export type ItemState = typeof ItemState.Type

export const Checkpoint = Schema.Struct({
  generation: Schema.Number,
  /** When this generation's backfill began (epoch ms). */
  started_at: Schema.Number,
  /** Work items of the backfill of this generation, by key. */
  items: Schema.Record({ key: Schema.String, value: ItemState }),
  /** Records published per collection by this generation's backfill. */
  row_counts: Schema.Record({ key: Schema.String, value: Schema.Number }),
  /** The change feed's cursor, once the backfill is complete. */
  feed: Schema.Unknown,
  /**
   * The collections whose copy is complete and followed since (see `Coverage`): the selected
   * ones once a backfill is complete; during a backfill of collections added to a live sync,
   * those it already followed. Absent: those of the generation's last `backfill_started`.
   */
  collections: Schema.optional(Schema.Array(Schema.String)),
  /**
   * The sync's `external_id` and `metadata` (as JSON) that every record on `RECORDS` carries, once
   * a backfill or a restamp published them all with it; absent: not known (older checkpoints).
   */
  sync_stamp: Schema.optional(Schema.String),
  updated_at: Schema.String
})
export type Checkpoint = typeof Checkpoint.Type

export const empty = (generation: number): Checkpoint => ({
  generation,
  started_at: Date.now(),
  items: {},
  row_counts: {},
  feed: null,
  updated_at: new Date().toISOString()
})

export const key = (sync: Ids.SyncId): string => `${sync}.checkpoint`

/** Someone else wrote the checkpoint: this actor is no longer the sync's owner. */
export class CheckpointConflict extends Data.TaggedError("CheckpointConflict")<{ readonly sync: Ids.SyncId }> {
  override get message() {
    return `the checkpoint of ${this.sync} was written by another replica; this actor stops`
  }
}

/**
 * The checkpoint's type is its own encoded form (numbers, strings, plain JSON), so
 * `JSON.stringify` is its encoding; it is written after every page, where the Schema's
 * encoder cost more than the write. Reading it back goes through the Schema.
 */
const encode = (checkpoint: typeof Checkpoint.Encoded): string => JSON.stringify(checkpoint)
const decode = Schema.decodeUnknownOption(Schema.parseJson(Checkpoint))

export interface Store {
  readonly current: Effect.Effect<Option.Option<Checkpoint>>
  readonly save: (checkpoint: Checkpoint) => Effect.Effect<void, CheckpointConflict | Errors.NatsError>
  /**
   * Save what `latest` gives when the write's turn comes: writers that race never put an
   * older state over a newer one. Calls waiting behind a write are served by one write, so
   * every caller's `latest` must read the same state.
   */
  readonly saveLatest: (latest: Effect.Effect<Checkpoint>) => Effect.Effect<void, CheckpointConflict | Errors.NatsError>
  readonly remove: Effect.Effect<void, Errors.NatsError>
}

/** Open the sync's checkpoint; writes are serialised, each expecting the revision of the last. */
export const open = (sync: Ids.SyncId) =>
  Effect.gen(function*() {
    const client = yield* Nats.Nats
    const kv = yield* Nats.bucket("checkpoints")
    const entry = yield* Nats.request(client, `read the checkpoint of ${sync}`, () => kv.get(key(sync)))
    const revision = yield* Ref.make(entry === null ? 0 : entry.revision)
    const current = yield* Ref.make(
      entry === null || entry.operation !== "PUT" ? Option.none<Checkpoint>() : decode(entry.string())
    )
    const lock = yield* Effect.makeSemaphore(1)
    const write = (checkpoint: Checkpoint) =>
      Effect.gen(function*() {
        const expected = yield* Ref.get(revision)
        const body = encode({ ...checkpoint, updated_at: new Date().toISOString() })
        const written = yield* Nats.request(client, `save the checkpoint of ${sync}`, () => Nats.writeAtRevision(kv, key(sync), body, expected))
        if (written === undefined) return yield* new CheckpointConflict({ sync })
        yield* Ref.set(revision, written)
        yield* Ref.set(current, Option.some(checkpoint))
      })
    // Saves of the latest state that queue up behind a write are coalesced: a write that
    // reads the state after a call was made holds what that call asked to save, so the
    // call returns once that write is done. Calls are numbered; `covered` is the last one
    // a finished write holds (a `save` of a given checkpoint resets it).
    let requested = 0
    let covered = 0
    const saveLatest = (latest: Effect.Effect<Checkpoint>) =>
      Effect.suspend(() => {
        const call = ++requested
        return lock.withPermits(1)(Effect.suspend(() => {
          if (covered >= call) return Effect.void
          const upTo = requested
          return Effect.flatMap(latest, write).pipe(Effect.andThen(() => {
            covered = upTo
          }))
        }))
      })
    const save = (checkpoint: Checkpoint) =>
      lock.withPermits(1)(write(checkpoint).pipe(Effect.andThen(() => {
        covered = 0
      })))
    const remove = Nats.request(client, `delete the checkpoint of ${sync}`, () => kv.delete(key(sync)))
    return { current: Ref.get(current), save, saveLatest, remove } satisfies Store
  })

/**
 * What Postgres should hold for a sync: every live upstream object, by collection. An
 * implementation reads it from wherever the truth is: the emulator's dump in tests
 * (`DumpState`), or the upstream API through a connector's listings (`BackfillState`).
 */
import type { Collection } from "@tributary/core"
import { Effect, Schema, Stream } from "effect"

export interface ExpectedRow {
  readonly collection: Collection.CollectionId
  readonly upstreamId: string
  readonly data: unknown
}

export interface Snapshot {
  /** The collections this state speaks for; Postgres rows of other collections are not compared. */
  readonly collections: ReadonlyArray<Collection.CollectionId>
  readonly rows: Stream.Stream<ExpectedRow, ExpectedStateUnavailable>
}

export interface ExpectedState {
  /** Where the state comes from, for the report. */
  readonly description: string
  readonly read: Effect.Effect<Snapshot, ExpectedStateUnavailable>
}

export class ExpectedStateUnavailable extends Schema.TaggedError<ExpectedStateUnavailable>()("ExpectedStateUnavailable", {
  source: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot read the expected state from ${this.source}: ${this.detail}`
  }
}

/**
 * The same state, speaking only for `collections`: a sync of some collections is compared on
 * those, not on everything its upstream account holds (the emulator's dump has it all).
 */
export const restrictTo = (state: ExpectedState, collections: ReadonlyArray<Collection.CollectionId>): ExpectedState => ({
  description: state.description,
  read: Effect.map(state.read, (snapshot) => ({
    collections: snapshot.collections.filter((c) => collections.includes(c)),
    rows: Stream.filter(snapshot.rows, (row) => collections.includes(row.collection))
  }))
})

/**
 * A change event is one change to one record, as published to the `EVENTS` stream.
 * Unlike `RECORDS`, the events stream keeps every change, in order per record.
 */
import { Schema } from "effect"
import { CollectionId } from "./Collection.js"
import { RecordId, UpstreamId } from "./Ids.js"
import { SyncRef, Timestamp, UpdatedIdx } from "./Record.js"

export const ChangeAction = Schema.Literal("created", "updated", "deleted")
export type ChangeAction = typeof ChangeAction.Type

export class ChangeEvent extends Schema.Class<ChangeEvent>("ChangeEvent")({
  /** Unique per change; the upstream event id when the source has one (`evt_…`). */
  id: Schema.String.pipe(Schema.minLength(1)),
  record_id: RecordId,
  upstream_id: UpstreamId,
  collection_id: CollectionId,
  sync: SyncRef,
  action: ChangeAction,
  /** The previous values of the fields that changed, on updates when the source says. */
  changes: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  updated_idx: UpdatedIdx,
  upstream_updated_at: Schema.NullOr(Timestamp),
  /** The record's data after the change (for deletes, its last known data). */
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}) {}

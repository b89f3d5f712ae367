/**
 * A record is the latest known version of one upstream object, as published to the
 * `RECORDS` stream and upserted by the sink.
 */
import { hash } from "node:crypto"
import { Schema } from "effect"
import { CollectionId } from "./Collection.js"
import { RecordId, SyncId, UpstreamId } from "./Ids.js"

/** ISO-8601 timestamp in UTC, as written in record bodies. */
export const Timestamp = Schema.String.pipe(
  Schema.filter((s) => !Number.isNaN(Date.parse(s)), { message: () => "must be an ISO-8601 timestamp" })
)

export const SyncRef = Schema.Struct({
  id: SyncId,
  external_id: Schema.NullOr(Schema.String),
  metadata: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})
export type SyncRef = typeof SyncRef.Type

/** Strictly increasing per record; a sink never replaces a row with a lower one. */
export const UpdatedIdx = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

export class Record extends Schema.Class<Record>("Record")({
  id: RecordId,
  upstream_id: UpstreamId,
  collection_id: CollectionId,
  sync: SyncRef,
  deleted: Schema.Boolean,
  updated_idx: UpdatedIdx,
  upstream_created_at: Schema.NullOr(Timestamp),
  upstream_updated_at: Schema.NullOr(Timestamp),
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}) {}

/** RFC 4122 name-based (SHA-1) UUID namespace for record ids. */
const RECORD_NAMESPACE = Buffer.from("6f1b8d5e2c4a4b7f9e3d1a0c5b7e9f21", "hex")
/** The namespace, then room for the name: `recordIdFor` hashes the two from here. */
const scratch = Buffer.alloc(1024)
RECORD_NAMESPACE.copy(scratch)

/**
 * The record id is derived from what identifies the object, so every writer (the sync,
 * the proxy) computes the same id without coordination.
 */
export const recordIdFor = (sync: SyncId, collection: CollectionId, upstreamId: string): RecordId => {
  const name = `${sync}/${collection}/${upstreamId}`
  // One-shot hash over a reused buffer: half the cost of a Hash object per record (the sink
  // and the sync compute one for every record). A UTF-16 code unit is at most 3 UTF-8 bytes.
  const digest = name.length * 3 <= scratch.length - RECORD_NAMESPACE.length
    ? hash("sha1", scratch.subarray(0, RECORD_NAMESPACE.length + scratch.write(name, RECORD_NAMESPACE.length)), "buffer")
    : hash("sha1", Buffer.concat([RECORD_NAMESPACE, Buffer.from(name)]), "buffer")
  digest[6] = (digest[6]! & 0x0f) | 0x50
  digest[8] = (digest[8]! & 0x3f) | 0x80
  const hex = digest.toString("hex", 0, 16)
  // Well-formed by construction; validating it would cost more than computing it (this runs per record).
  return RecordId.make(
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    { disableValidation: true }
  )
}

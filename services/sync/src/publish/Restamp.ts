/**
 * Reading a record back from `RECORDS` to publish it again with its sync's new `external_id`
 * and `metadata` (`Records.restamp`): the same data, deleted flag and version, observed anew
 * without asking the upstream. Pure.
 */
import type { Collection, Connector } from "@tributary/core"

/** A record's body as stored on `RECORDS`: what a restamp needs of it. */
export interface StoredRecord {
  readonly collection_id: Collection.CollectionId
  readonly upstream_id: string
  readonly sync: unknown
  readonly deleted: boolean
  readonly upstream_created_at: string | null
  readonly data: Readonly<Record<string, unknown>>
}

const isStoredRecord = (body: unknown): body is StoredRecord =>
  typeof body === "object" && body !== null && "collection_id" in body && typeof body.collection_id === "string" &&
  "upstream_id" in body && typeof body.upstream_id === "string" && "deleted" in body && typeof body.deleted === "boolean" &&
  "data" in body && typeof body.data === "object" && body.data !== null

/** The stored record when it carries another `sync` than `syncJson` (the publisher's, serialised); else undefined. */
export const stale = (body: unknown, syncJson: string): StoredRecord | undefined =>
  isStoredRecord(body) && JSON.stringify(body.sync) !== syncJson ? body : undefined

/** The record as an observation of its last version, to publish it again as it is. */
export const observationOf = (record: StoredRecord, version: Connector.Version): Connector.Observation => ({
  collection: record.collection_id,
  upstreamId: record.upstream_id,
  deleted: record.deleted,
  data: record.data,
  createdAt: record.upstream_created_at === null ? null : Date.parse(record.upstream_created_at),
  version,
  origin: "read"
})

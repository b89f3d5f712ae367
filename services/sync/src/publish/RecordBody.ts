/**
 * The bytes and headers of a record on `RECORDS` and of its change on `EVENTS`. Built by
 * hand rather than through the Schema classes: this runs for every record of a backfill,
 * and the data is serialised and encoded once and spliced into both bodies.
 */
import { hash } from "node:crypto"
import { headers as natsHeaders } from "@nats-io/transport-node"
import type { MsgHdrs } from "@nats-io/transport-node"
import { Headers } from "@tributary/core"
import type { ChangeEvent, Connector, Record as CoreRecord, Ids } from "@tributary/core"
import type { Schema } from "effect"

type RecordEncoded = Schema.Schema.Encoded<typeof CoreRecord.Record>
type ChangeEncoded = Schema.Schema.Encoded<typeof ChangeEvent.ChangeEvent>

/** Tombstones hash alike whatever data they carry: deleting twice changes nothing. */
const DELETED_HASH = "deleted"

export const contentHash = (deleted: boolean, dataJson: string): string =>
  deleted ? DELETED_HASH : hash("sha1", dataJson, "base64url")

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

const CLOSE = Buffer.from("}")

/** `{...head, "data": <data>}` as bytes, splicing in data that is serialised and encoded once. */
const withData = (head: object, data: Buffer): Buffer =>
  Buffer.concat([Buffer.from(`${JSON.stringify(head).slice(0, -1)},"data":`), data, CLOSE])

export const formatVersion = (version: Connector.Version): string => `${version.from}-${version.to}`

export const parseVersion = (value: string): Connector.Version | undefined => {
  const match = /^(-?\d+)-(-?\d+)$/.exec(value)
  return match === null ? undefined : { from: Number(match[1]), to: Number(match[2]) }
}

export interface Input {
  readonly recordId: Ids.RecordId
  readonly sync: CoreRecord.SyncRef
  readonly observation: Connector.Observation
  readonly dataJson: string
  readonly contentHash: string
  readonly updatedIdx: number
  readonly action: ChangeEvent.ChangeAction
}

export interface Built {
  readonly record: Uint8Array
  readonly recordHeaders: MsgHdrs
  readonly change: Uint8Array
  readonly changeHeaders: MsgHdrs
  readonly changeId: string
}

export const build = (input: Input): Built => {
  const { observation: o } = input
  const upstreamUpdatedAt = iso(o.version.from)
  const record: Omit<RecordEncoded, "data"> = {
    id: input.recordId,
    upstream_id: o.upstreamId,
    collection_id: o.collection,
    sync: input.sync,
    deleted: o.deleted,
    updated_idx: input.updatedIdx,
    upstream_created_at: iso(o.createdAt),
    upstream_updated_at: upstreamUpdatedAt
  }
  const changeId = o.changeId ?? `${input.recordId}@${input.updatedIdx}`
  const change: Omit<ChangeEncoded, "data"> = {
    id: changeId,
    record_id: input.recordId,
    upstream_id: o.upstreamId,
    collection_id: o.collection,
    sync: input.sync,
    action: input.action,
    changes: o.changes ?? null,
    updated_idx: input.updatedIdx,
    upstream_updated_at: upstreamUpdatedAt
  }
  const common = (h: MsgHdrs) => {
    h.set(Headers.RECORD_ID, input.recordId)
    h.set(Headers.UPSTREAM_ID, o.upstreamId)
    h.set(Headers.COLLECTION, o.collection)
    h.set(Headers.SYNC_ID, input.sync.id)
    h.set(Headers.UPDATED_IDX, String(input.updatedIdx))
    h.set(Headers.DELETED, String(o.deleted))
    return h
  }
  const recordHeaders = common(natsHeaders())
  recordHeaders.set(Headers.UPSTREAM_VERSION, formatVersion(o.version))
  recordHeaders.set(Headers.CONTENT_HASH, input.contentHash)
  if (o.changeId !== undefined) recordHeaders.set(Headers.CHANGE_ID, o.changeId)
  const changeHeaders = common(natsHeaders())
  changeHeaders.set(Headers.ACTION, input.action)
  const data = Buffer.from(input.dataJson)
  return {
    record: withData(record, data),
    recordHeaders,
    change: withData(change, data),
    changeHeaders,
    changeId
  }
}

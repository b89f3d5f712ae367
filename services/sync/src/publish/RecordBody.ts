/**
 * The bytes and headers of a record on `RECORDS` and of its change on `EVENTS`. Built by
 * hand rather than through the Schema classes: this runs for every record of a backfill.
 * The data is serialised and encoded once (the caller hashes the same bytes) and copied
 * into both bodies; the parts every record of a sync shares are serialised once per sync.
 */
import { hash } from "node:crypto"
import { PubHeaders } from "@nats-io/jetstream"
import { Headers } from "@tributary/core"
import type { ChangeEvent, Connector, Record as CoreRecord, Ids } from "@tributary/core"
import type { Schema } from "effect"
import { WireHeaders } from "./WireHeaders.js"

type RecordEncoded = Schema.Schema.Encoded<typeof CoreRecord.Record>
type ChangeEncoded = Schema.Schema.Encoded<typeof ChangeEvent.ChangeEvent>

/** Tombstones hash alike whatever data they carry: deleting twice changes nothing. */
const DELETED_HASH = "deleted"

export const contentHash = (deleted: boolean, data: string | Uint8Array): string =>
  deleted ? DELETED_HASH : hash("sha1", data, "base64url")

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

export const formatVersion = (version: Connector.Version): string => `${version.from}-${version.to}`

export const parseVersion = (value: string): Connector.Version | undefined => {
  const match = /^(-?\d+)-(-?\d+)$/.exec(value)
  return match === null ? undefined : { from: Number(match[1]), to: Number(match[2]) }
}

export interface Input {
  readonly recordId: Ids.RecordId
  readonly observation: Connector.Observation
  /** The record's data as JSON, UTF-8 encoded. */
  readonly data: Uint8Array
  readonly contentHash: string
  readonly updatedIdx: number
  readonly action: ChangeEvent.ChangeAction
  /** The record's last sequence in `RECORDS` (0: none), for `Nats-Expected-Last-Subject-Sequence`. */
  readonly expectedLastSequence: number
}

export interface Built {
  readonly record: Uint8Array
  readonly recordHeaders: WireHeaders
  readonly change: Uint8Array
  readonly changeHeaders: WireHeaders
  readonly changeId: string
}

const CLOSE = 0x7d // "}"

/** `{<head>,"data":<data>}`, where `head` is the JSON of an object without its braces. */
const withData = (head: string, data: Uint8Array): Uint8Array => {
  const prefix = `{${head},"data":`
  const headLength = Buffer.byteLength(prefix)
  const out = Buffer.allocUnsafe(headLength + data.length + 1)
  out.write(prefix, 0)
  out.set(data, headLength)
  out[out.length - 1] = CLOSE
  return out
}

/** The inside of `JSON.stringify(value)`, an object: its members without the braces. */
const inner = (value: object): string => JSON.stringify(value).slice(1, -1)

export interface Builder {
  readonly build: (input: Input) => Built
}

/** Bodies and headers for one sync's records. */
export const builder = (sync: CoreRecord.SyncRef): Builder => {
  const syncJson = JSON.stringify(sync)
  const build = (input: Input): Built => {
    const { observation: o } = input
    const upstreamUpdatedAt = iso(o.version.from)
    const changeId = o.changeId ?? `${input.recordId}@${input.updatedIdx}`
    // The members in the order of the Schema classes, `sync` (the same for every record)
    // spliced in already serialised.
    const recordHead = `${
      inner({ id: input.recordId, upstream_id: o.upstreamId, collection_id: o.collection } satisfies Pick<RecordEncoded, "id" | "upstream_id" | "collection_id">)
    },"sync":${syncJson},${
      inner({
        deleted: o.deleted,
        updated_idx: input.updatedIdx,
        upstream_created_at: iso(o.createdAt),
        upstream_updated_at: upstreamUpdatedAt
      } satisfies Omit<RecordEncoded, "data" | "sync" | "id" | "upstream_id" | "collection_id">)
    }`
    const changeHead = `${
      inner({ id: changeId, record_id: input.recordId, upstream_id: o.upstreamId, collection_id: o.collection } satisfies Pick<ChangeEncoded, "id" | "record_id" | "upstream_id" | "collection_id">)
    },"sync":${syncJson},${
      inner({
        action: input.action,
        changes: o.changes ?? null,
        updated_idx: input.updatedIdx,
        upstream_updated_at: upstreamUpdatedAt
      } satisfies Omit<ChangeEncoded, "data" | "sync" | "id" | "record_id" | "upstream_id" | "collection_id">)
    }`
    // What both messages say of the record; each adds its own.
    const identity = [
      [Headers.RECORD_ID, input.recordId],
      [Headers.UPSTREAM_ID, o.upstreamId],
      [Headers.COLLECTION, o.collection],
      [Headers.SYNC_ID, sync.id],
      [Headers.UPDATED_IDX, String(input.updatedIdx)],
      [Headers.DELETED, String(o.deleted)]
    ] as const
    const recordHeaders = WireHeaders.of([
      ...identity,
      [Headers.UPSTREAM_VERSION, formatVersion(o.version)],
      [Headers.CONTENT_HASH, input.contentHash],
      ...(o.changeId === undefined ? [] : [[Headers.CHANGE_ID, o.changeId] as const]),
      [PubHeaders.ExpectedLastSubjectSequenceHdr, String(input.expectedLastSequence)]
    ])
    const changeHeaders = WireHeaders.of([
      ...identity,
      [Headers.ACTION, input.action],
      // JetStream drops a change published twice (a retried publish) within its duplicate window.
      [PubHeaders.MsgIdHdr, `${input.recordId}@${input.updatedIdx}`]
    ])
    return {
      record: withData(recordHead, input.data),
      recordHeaders,
      change: withData(changeHead, input.data),
      changeHeaders,
      changeId
    }
  }
  return { build }
}

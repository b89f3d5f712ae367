/**
 * How a batch of records (each the JSON of core's `Record`) reaches Postgres. Each
 * strategy yields a relation with the standard record columns:
 *
 *   id uuid, upstream_id text, collection_id text, deleted boolean, updated_idx bigint,
 *   sync_id text, sync_external_id text, sync_metadata jsonb,
 *   upstream_created_at timestamptz, upstream_updated_at timestamptz, data jsonb,
 *
 * and what the record's subject says it is, which its body must say too (`Statements`
 * checks it: the subject, not the body, picks the table and the row): `subject_sync_id
 * text`, `subject_upstream_id text` and `subject_id uuid`.
 *
 * `bench/sink.ts` measures them against each other; `elements` is the default: like
 * `json` it leaves parsing to Postgres, which has to parse `data` into jsonb anyway, so
 * the writer never parses a record, and Postgres spends less CPU on it than on `json`
 * (see docs/sink.md for the figures).
 */
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Database, Errors } from "@tributary/core"
import { Effect } from "effect"
import type pg from "pg"
import { from as copyFrom } from "pg-copy-streams"

export const STRATEGIES = ["json", "elements", "unnest", "values", "copy"] as const
export type StrategyName = typeof STRATEGIES[number]

export interface Staged {
  /** A relation (subquery or table) usable in FROM. */
  readonly source: string
  readonly values: ReadonlyArray<unknown>
}

/** The JSON of one core `Record`: text, or its UTF-8 bytes as they came off the wire. */
export type RecordText = string | Uint8Array

const decoder = new TextDecoder()
export const textOf = (record: RecordText): string => typeof record === "string" ? record : decoder.decode(record)

/**
 * A record's JSON and what its subject names: the sync (core's `SyncId`; any string here),
 * the upstream id, and the record id core's `recordIdFor` makes of them and the collection.
 */
export interface Published {
  readonly sync: string
  readonly upstreamId: string
  readonly id: string
  readonly json: RecordText
}

export type Stage = (client: pg.ClientBase, records: ReadonlyArray<Published>) => Effect.Effect<Staged, Errors.DatabaseError>

const COLUMNS = "id, upstream_id, collection_id, deleted, updated_idx, sync_id, sync_external_id, sync_metadata, " +
  "upstream_created_at, upstream_updated_at, data, subject_sync_id, subject_upstream_id, subject_id"
const TYPES = [
  "uuid", "text", "text", "boolean", "bigint", "text", "text", "jsonb", "timestamptz", "timestamptz", "jsonb", "text", "text", "uuid"
]

/**
 * Binary array layout (Postgres' `array_recv`): dimensions (1), has-nulls flag (0), element
 * type, then per dimension its length and lower bound (1); then per element its length and
 * its bytes. Written by hand, as pg would otherwise quote and escape every element in Node.
 */
const arrayHeader = (array: Buffer, elementOid: number, length: number): number => {
  array.writeInt32BE(1, 0)
  array.writeInt32BE(0, 4)
  array.writeInt32BE(elementOid, 8)
  array.writeInt32BE(length, 12)
  array.writeInt32BE(1, 16)
  return 20
}

/** Postgres' type oid of text. */
const TEXT_OID = 25

/** A text of each record's subject, one per record: a binary `text[]` parameter beside the records. */
const subjectTexts = (records: ReadonlyArray<Published>, text: (record: Published) => string): Buffer => {
  let size = 20
  for (const record of records) size += 4 + Buffer.byteLength(text(record))
  const array = Buffer.allocUnsafe(size)
  let at = arrayHeader(array, TEXT_OID, records.length)
  for (const record of records) {
    const length = array.write(text(record), at + 4)
    array.writeInt32BE(length, at)
    at += 4 + length
  }
  return array
}

/** What the subjects say, as the parameters `$2` to `$4` of `json` and `elements`. */
const subjects = (records: ReadonlyArray<Published>): ReadonlyArray<Buffer> => [
  subjectTexts(records, (r) => r.sync),
  subjectTexts(records, (r) => r.upstreamId),
  subjectTexts(records, (r) => r.id)
]

const SUBJECT_COLUMNS = "x.subject_sync_id, x.subject_upstream_id, x.subject_id::uuid as subject_id"

/** Postgres' binary form of jsonb: a version byte (1), then the JSON text. */
const JSONB_BINARY_V1 = Buffer.from([1])
const OPEN = Buffer.from("[")
const COMMA = Buffer.from(",")
const CLOSE = Buffer.from("]")

const bytesOf = (record: RecordText): Uint8Array => typeof record === "string" ? Buffer.from(record) : record

/**
 * The batch as one jsonb array in binary form: the records' UTF-8 bytes go to Postgres as
 * they came off the wire, never decoded into strings and encoded again.
 */
const json: Stage = (_client, records) =>
  Effect.sync(() => {
    const parts: Array<Uint8Array> = [JSONB_BINARY_V1, OPEN]
    records.forEach((record, i) => {
      if (i > 0) parts.push(COMMA)
      parts.push(bytesOf(record.json))
    })
    parts.push(CLOSE)
    return {
      source: `(select x.id, x.upstream_id, x.collection_id, x.deleted, x.updated_idx, x.sync ->> 'id' as sync_id,
        x.sync ->> 'external_id' as sync_external_id, x.sync -> 'metadata' as sync_metadata,
        x.upstream_created_at, x.upstream_updated_at, x.data, ${SUBJECT_COLUMNS}
      from rows from (jsonb_to_recordset($1::jsonb) as (id uuid, upstream_id text, collection_id text, deleted boolean,
        updated_idx bigint, sync jsonb, upstream_created_at timestamptz, upstream_updated_at timestamptz, data jsonb),
        unnest($2::text[], $3::text[], $4::text[])) as x(id, upstream_id, collection_id, deleted, updated_idx, sync,
        upstream_created_at, upstream_updated_at, data, subject_sync_id, subject_upstream_id, subject_id))`,
      values: [Buffer.concat(parts), ...subjects(records)]
    }
  })

/** Postgres' type oid of jsonb, which a binary array names for its elements. */
const JSONB_OID = 3802

/**
 * The batch as one binary `jsonb[]`, an element per record. Like `json`, the records' bytes
 * go to Postgres as they came, unparsed here; unlike it, Postgres parses each record on its
 * own instead of building one document of the whole batch and taking it apart again. Each
 * element is jsonb's binary form: the version byte, then the JSON text.
 */
const elements: Stage = (_client, records) =>
  Effect.sync(() => {
    let size = 20
    for (const { json } of records) size += 5 + (typeof json === "string" ? Buffer.byteLength(json) : json.length)
    const array = Buffer.allocUnsafe(size)
    let at = arrayHeader(array, JSONB_OID, records.length)
    for (const { json } of records) {
      array[at + 4] = 1
      let length = json.length
      if (typeof json === "string") length = array.write(json, at + 5)
      else array.set(json, at + 5)
      array.writeInt32BE(length + 1, at)
      at += 5 + length
    }
    return {
      source: `(select (x.r ->> 'id')::uuid as id, x.r ->> 'upstream_id' as upstream_id,
        x.r ->> 'collection_id' as collection_id, (x.r ->> 'deleted')::boolean as deleted,
        (x.r ->> 'updated_idx')::bigint as updated_idx, x.r -> 'sync' ->> 'id' as sync_id,
        x.r -> 'sync' ->> 'external_id' as sync_external_id, x.r -> 'sync' -> 'metadata' as sync_metadata,
        (x.r ->> 'upstream_created_at')::timestamptz as upstream_created_at,
        (x.r ->> 'upstream_updated_at')::timestamptz as upstream_updated_at, x.r -> 'data' as data, ${SUBJECT_COLUMNS}
      from unnest($1::jsonb[], $2::text[], $3::text[], $4::text[]) as x(r, subject_sync_id, subject_upstream_id, subject_id))`,
      values: [array, ...subjects(records)]
    }
  })

type Row = ReadonlyArray<string | number | boolean | null>

/** The strategies below parse records here; a record that is not JSON fails as Postgres would fail it. */
const parseRows = (records: ReadonlyArray<Published>): Effect.Effect<ReadonlyArray<Row>, Errors.DatabaseError> =>
  Effect.try({
    try: () => records.map((record): Row => {
      const r = JSON.parse(textOf(record.json)) as Record<string, unknown> & { sync?: Record<string, unknown> }
      const field = (value: unknown) => value === undefined ? null : value as string | number | boolean | null
      const jsonField = (value: unknown) => value === undefined || value === null ? null : JSON.stringify(value)
      return [
        field(r.id), field(r.upstream_id), field(r.collection_id), field(r.deleted), field(r.updated_idx),
        field(r.sync?.id), field(r.sync?.external_id), jsonField(r.sync?.metadata), field(r.upstream_created_at),
        field(r.upstream_updated_at), jsonField(r.data), record.sync, record.upstreamId, record.id
      ]
    }),
    catch: (cause) =>
      new Errors.DatabaseError({ operation: "read record", sqlstate: "22P02", detail: `not a JSON record: ${String(cause)}` })
  })

const unnest: Stage = (_client, records) =>
  Effect.map(parseRows(records), (rows) => ({
    source: `(select * from unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) as x(${COLUMNS}))`,
    values: TYPES.map((_, i) => rows.map((row) => row[i]))
  }))

const values: Stage = (_client, records) =>
  Effect.map(parseRows(records), (rows) => ({
    source: `(select * from (values ${rows.map((_, r) =>
      `(${TYPES.map((t, i) => `$${r * TYPES.length + i + 1}::${t}`).join(", ")})`).join(", ")}) as x(${COLUMNS}))`,
    values: rows.flat()
  }))

const STAGING_TABLE = "tributary_staging"

const copyText = (value: string | number | boolean | null): string =>
  value === null
    ? "\\N"
    : String(value).replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\r", "\\r").replaceAll("\t", "\\t")

const copy: Stage = (client, records) =>
  Effect.gen(function*() {
    const rows = yield* parseRows(records)
    yield* Database.tryDatabase("create staging table", () =>
      client.query(`create temp table if not exists ${STAGING_TABLE} (${
        COLUMNS.split(", ").map((c, i) => `${c} ${TYPES[i]}`).join(", ")
      })`))
    yield* Database.tryDatabase("empty staging table", () => client.query(`truncate ${STAGING_TABLE}`))
    const body = rows.map((row) => row.map(copyText).join("\t")).join("\n") + "\n"
    yield* Database.tryDatabase("copy records", () =>
      pipeline(Readable.from([body]), client.query(copyFrom(`copy ${STAGING_TABLE} (${COLUMNS}) from stdin`))))
    return { source: STAGING_TABLE, values: [] }
  })

/** More rows than this would pass Postgres' limit of 65,535 parameters in one `values` statement. */
export const MAX_VALUES_ROWS = Math.floor(65_535 / TYPES.length)

export const strategies: Readonly<Record<StrategyName, Stage>> = { json, elements, unnest, values, copy }

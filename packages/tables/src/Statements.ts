/**
 * The SQL that writes a batch into one table. Every statement reads the batch from a
 * staged relation with the standard record columns (see `Staging`), keeps only the
 * newest version of each record in the batch, and writes with the version guard:
 *
 *   insert … on conflict (key) do update set … where t.updated_idx <= excluded.updated_idx
 *
 * so out-of-order or repeated delivery never makes a row older. Hard deletes remove
 * the row under the same guard and leave a tombstone that later inserts check.
 */
import { extract } from "./Columns.js"
import type { ColumnType } from "./Mapping.js"
import { deletedColumn, keyColumn, versionColumn } from "./Mapping.js"
import { TOMBSTONES_TABLE } from "./Migrations.js"
import * as TableName from "./TableName.js"
import type { Managed, Mapped, Target } from "./Target.js"
import type { Source } from "./TablesConfig.js"

export interface Statements {
  readonly target: Target
  /** Whether the table can mark a record deleted (soft) rather than only remove it. */
  readonly canSoftDelete: boolean
  /** Upsert every record of the batch (soft mode), or every record not deleted (hard mode). */
  readonly upsert: (source: string, mode: "soft" | "hard") => string
  /** Hard mode: tombstone and remove the deleted records. */
  readonly remove: (source: string) => string
  /** Hard mode: serialize with other writers of the same records (see `lock`). */
  readonly lock: (source: string) => string
}

interface Column {
  readonly name: string
  /** Computed from the staged row `r`. */
  readonly expr: string
}

interface Shape {
  readonly columns: ReadonlyArray<Column>
  readonly key: Column
  /** The staged field the key comes from (`id` or `upstream_id`). */
  readonly keySource: "id" | "upstream_id"
  readonly version: string
  readonly deleted: string | undefined
}

const q = TableName.quoteIdent

const managedShape = (target: Managed): Shape => {
  const columns: Array<Column> = [
    { name: "id", expr: "r.id" },
    { name: "upstream_id", expr: "r.upstream_id" },
    { name: "deleted", expr: "r.deleted" },
    { name: "updated_idx", expr: "r.updated_idx" },
    { name: "sync_id", expr: "r.sync_id" },
    { name: "sync_external_id", expr: "r.sync_external_id" },
    { name: "sync_metadata", expr: "coalesce(r.sync_metadata, '{}')" },
    { name: "upstream_created_at", expr: "r.upstream_created_at" },
    { name: "upstream_updated_at", expr: "r.upstream_updated_at" },
    { name: "data", expr: "r.data" },
    ...target.columns.map((column) => ({ name: column.name, expr: extract(column, "r.data") }))
  ]
  return { columns, key: columns[0]!, keySource: "id", version: "updated_idx", deleted: "deleted" }
}

const STAGED: Readonly<Record<Exclude<Source, `data.${string}`>, string>> = {
  "id": "r.id",
  "upstream_id": "r.upstream_id",
  "collection_id": "r.collection_id",
  "deleted": "r.deleted",
  "updated_idx": "r.updated_idx",
  "sync.id": "r.sync_id",
  "sync.external_id": "r.sync_external_id",
  "sync.metadata": "r.sync_metadata",
  "upstream_created_at": "r.upstream_created_at",
  "upstream_updated_at": "r.upstream_updated_at",
  "data": "r.data"
}

const jsonPath = (path: ReadonlyArray<string>): string =>
  `'{${path.map((p) => `"${p.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"").replaceAll("'", "''")}"`).join(",")}}'`

/** The staged value cast to the user's column type. */
const mappedExpr = (source: Source, type: ColumnType): string => {
  if (source.startsWith("data.")) {
    const value = `(r.data #> ${jsonPath(source.split(".").slice(1))})`
    if (type.isJson) return `${value}::${type.sql}`
    if (type.category === "D") {
      return `(case jsonb_typeof(${value}) when 'number' then to_timestamp(${value}::double precision)::${type.sql} ` +
        `else (${value} #>> '{}')::${type.sql} end)`
    }
    return `(${value} #>> '{}')::${type.sql}`
  }
  const staged = STAGED[source as keyof typeof STAGED]
  const isJsonField = source === "data" || source === "sync.metadata"
  if (isJsonField && !type.isJson) return `(${staged} #>> '{}')::${type.sql}`
  return `${staged}::${type.sql}`
}

const mappedShape = (target: Mapped, types: ReadonlyMap<string, ColumnType>): Shape => {
  const columns = target.columns.map(({ column, source }) => ({ name: column, expr: mappedExpr(source, types.get(column)!) }))
  const key = columns.find((c) => c.name === keyColumn(target))!
  return { columns, key, keySource: target.key, version: versionColumn(target), deleted: deletedColumn(target) }
}

/**
 * A failed cast of a message built from the row: Postgres refuses the record (SQLSTATE
 * 22P02, so the record is refused, not the batch) with the message in the error. Built from
 * the row so that the planner cannot fold the cast into an error at plan time.
 */
const refuse = (message: string, type: string): string => `(${message})::uuid::text::${type}`

const upstreamIdOf = `' (upstream_id ' || coalesce(s0.upstream_id, 'none') || ')'`

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

/** The fields every record has, each checked for presence. */
const RECORD_FIELDS = ["id", "upstream_id", "collection_id", "deleted", "updated_idx", "sync_id", "data"] as const

/** What the body must say as its subject does: the staged field, what it is, the subject's value. */
const agreements = (collection: string): ReadonlyArray<readonly [field: string, what: string, expected: string]> => [
  ["collection_id", "collection", literal(collection)],
  ["sync_id", "sync", "s0.subject_sync_id"],
  ["upstream_id", "record", "s0.subject_upstream_id"]
]

/**
 * The checks every staged record must pass, or an error naming the record and everything
 * wrong with it (every missing field, every disagreement, in one message). A filter rather
 * than columns: Postgres leaves out a column the statement does not use (a managed table has
 * no `collection_id`, a mapped one may have no `sync_id`, `upstream_id` or `data`), and with
 * it a check written there, but it evaluates the only filter on every row.
 *
 * - Every field a record has: anyone can publish on RECORDS, and JSON that is not a record
 *   would otherwise stage as nulls, which a hard delete skips without a word and a user's
 *   nullable columns take.
 * - The sync, collection and record of its subject: the subject picks the table and the
 *   body the row (its `id`, or its `upstream_id` for a table keyed on it), so a body naming
 *   another sync, collection or record would be written, or delete a row, where it does not
 *   belong, and one body could stand under several subjects. The subject's record token is
 *   the upstream id (encoded); the id is the one core's `recordIdFor` makes of the three.
 *
 * A missing field makes its comparisons null, so it is reported once, as missing.
 */
const checked = (collection: string): string => {
  const missing = RECORD_FIELDS.map((field) => `s0.${field} is null`)
  const differs = [
    ...agreements(collection).map(([field, , expected]) => `s0.${field} <> ${expected}`),
    "s0.id <> s0.subject_id"
  ]
  const missingNames = `concat_ws(', ', ${RECORD_FIELDS.map((field) => `case when s0.${field} is null then '${field}' end`).join(", ")})`
  const disagreements = [
    ...agreements(collection).map(([field, what, expected]) =>
      `case when s0.${field} <> ${expected} then 'subject says ${what} ' || ${expected} || ', body says ' || s0.${field} end`),
    // A body of another sync, collection or record has another id too: said once, as that.
    `case when ${agreements(collection).map(([field, , expected]) => `s0.${field} = ${expected}`).join(" and ")} ` +
      `and s0.id <> s0.subject_id then 'subject says record ' || s0.subject_upstream_id || ' (id ' || s0.subject_id || '), body says id ' || s0.id end`
  ]
  const message = `concat_ws('; ', 'not a record: it has no ' || nullif(${missingNames}, ''), ${disagreements.join(", ")}) || ${upstreamIdOf}`
  return `case when ${[...missing, ...differs].join(" or ")} then ${refuse(message, "boolean")} else true end`
}

/** The newest staged version of each record of the batch, checked (`where` is `checked`). */
const newest = (source: string, shape: Shape, where: string): string =>
  `(select distinct on (s0.${shape.keySource}) s0.* from ${source} s0 where ${where} ` +
  `order by s0.${shape.keySource}, s0.updated_idx desc)`

/** Advisory locks on buckets of record ids: few enough to stay cheap, taken in order so writers never deadlock. */
const LOCK_CLASS = 7_262_915
const LOCK_BUCKETS = 1024

const build = (target: Target, shape: Shape): Statements => {
  const table = TableName.toSql(target.name)
  const published = checked(target.collection)
  const names = shape.columns.map((c) => q(c.name)).join(", ")
  const exprs = shape.columns.map((c) => c.expr).join(", ")
  const updates = shape.columns.filter((c) => c !== shape.key).map((c) => `${q(c.name)} = excluded.${q(c.name)}`)
  const guard = `t.${q(shape.version)} <= excluded.${q(shape.version)}`
  const conflict = updates.length === 0
    ? "do nothing"
    : `do update set ${updates.join(", ")} where ${guard}`
  return {
    target,
    canSoftDelete: shape.deleted !== undefined,
    upsert: (source, mode) =>
      `insert into ${table} as t (${names})
       select ${exprs} from ${newest(source, shape, published)} r
        where ${mode === "hard" ? "not r.deleted and " : ""}not exists (
          select 1 from ${TOMBSTONES_TABLE} tb where tb.id = r.id and tb.updated_idx >= r.updated_idx)
       on conflict (${q(shape.key.name)}) ${conflict}`,
    remove: (source) =>
      `with r as (select * from ${newest(source, shape, published)} n where n.deleted),
       tombstoned as (
         insert into ${TOMBSTONES_TABLE} as tb (id, updated_idx) select r.id, r.updated_idx from r
         on conflict (id) do update set updated_idx = excluded.updated_idx, deleted_at = now()
         where tb.updated_idx < excluded.updated_idx)
       delete from ${table} t using r
        where t.${q(shape.key.name)} = ${shape.key.expr} and t.${q(shape.version)} <= r.updated_idx`,
    lock: (source) =>
      `select pg_advisory_xact_lock(${LOCK_CLASS}, b.bucket) from (
         select distinct hashtext(s.id::text) & ${LOCK_BUCKETS - 1} as bucket from ${source} s order by 1) b`
  }
}

export const forManaged = (target: Managed): Statements => build(target, managedShape(target))

export const forMapped = (target: Mapped, types: ReadonlyMap<string, ColumnType>): Statements =>
  build(target, mappedShape(target, types))

/**
 * A user-mapped table is checked against its mapping before the first write: the table
 * and every mapped column must exist, and the key column must carry a unique index,
 * which `on conflict` needs. The column types found are what values are cast to.
 */
import { Database } from "@tributary/core"
import type { Errors } from "@tributary/core"
import { Effect } from "effect"
import type pg from "pg"
import { TableMappingInvalid } from "./Errors.js"
import * as TableName from "./TableName.js"
import type { Mapped } from "./Target.js"

export interface ColumnType {
  /** As `format_type` prints it, ready to follow `::`. */
  readonly sql: string
  /** `pg_type.typcategory`: `D` date/time, `U` user types such as json and jsonb, … */
  readonly category: string
  readonly isJson: boolean
}

export const inspect = (
  client: pg.ClientBase,
  target: Mapped
): Effect.Effect<ReadonlyMap<string, ColumnType>, Errors.DatabaseError | TableMappingInvalid> =>
  Effect.gen(function*() {
    const table = TableName.toSql(target.name)
    const invalid = (detail: string) =>
      new TableMappingInvalid({ collection: target.collection, table: TableName.toText(target.name), detail })
    const columns = yield* Database.tryDatabase("inspect mapped table", () =>
      client.query<{ name: string; sql: string; category: string; type: string }>(
        `select a.attname as name, format_type(a.atttypid, a.atttypmod) as sql, t.typcategory as category,
                t.typname as type
           from pg_attribute a join pg_type t on t.oid = a.atttypid
          where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`,
        [table]
      ))
    if (columns.rows.length === 0) return yield* invalid("that table does not exist (create it first)")
    const types = new Map(columns.rows.map((row) => [row.name, {
      sql: row.sql,
      category: row.category,
      isJson: row.type === "json" || row.type === "jsonb"
    }]))
    const missing = target.columns.filter((c) => !types.has(c.column)).map((c) => c.column)
    if (missing.length > 0) return yield* invalid(`it has no column ${missing.join(", ")}`)
    const key = keyColumn(target)
    const unique = yield* Database.tryDatabase("inspect mapped table indexes", () =>
      client.query(
        `select 1 from pg_index i
          where i.indrelid = to_regclass($1) and i.indisunique and i.indpred is null and i.indnatts = 1
            and (select attname from pg_attribute where attrelid = i.indrelid and attnum = i.indkey[0]) = $2`,
        [table, key]
      ))
    if (unique.rowCount === 0) {
      return yield* invalid(`its key column ${key} has no unique index or primary key (upserts need one)`)
    }
    return types
  })

/** The column that holds the key (`id` or `upstream_id`). */
export const keyColumn = (target: Mapped): string => target.columns.find((c) => c.source === target.key)!.column

export const versionColumn = (target: Mapped): string => target.columns.find((c) => c.source === "updated_idx")!.column

export const deletedColumn = (target: Mapped): string | undefined =>
  target.columns.find((c) => c.source === "deleted")?.column

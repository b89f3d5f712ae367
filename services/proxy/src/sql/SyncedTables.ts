/**
 * The tables the sink owns, as the proxy needs to know them: which `schema.table` is which
 * collection, and which of its columns the API can set. Standard columns (ids, versions,
 * sync fields, `data`) are Tributary's; typed columns are fields of the upstream object.
 */
import type { Collection } from "@tributary/core"

export type ColumnType = "text" | "bigint" | "numeric" | "boolean" | "timestamptz"

export interface WritableColumn {
  readonly name: string
  readonly type: ColumnType
  /** Where the value goes in the API request (`recurring.interval` → `recurring[interval]`). */
  readonly path: ReadonlyArray<string>
}

export interface SyncedTable {
  readonly collection: Collection.CollectionId
  readonly schema: string
  readonly table: string
  /** Columns a write may name. */
  readonly writable: ReadonlyMap<string, WritableColumn>
  /** Typed columns whose fields the upstream computes (`customers.delinquent`): refused in a write, with the column named. */
  readonly computed: ReadonlySet<string>
}

/** Columns that only Tributary writes: naming one in a write is refused with 42501. */
export const STANDARD_COLUMNS: ReadonlySet<string> = new Set([
  "id", "upstream_id", "deleted", "updated_idx", "sync_id", "sync_external_id", "sync_metadata",
  "upstream_created_at", "upstream_updated_at", "data", "collection_id"
])

export interface SyncedTables {
  /** The synced table at `schema.table`, if it is one. */
  readonly find: (schema: string, table: string) => SyncedTable | undefined
  /** Schemas that hold synced tables: the cheap first test of a statement. */
  readonly schemas: ReadonlySet<string>
  /** The synced tables' names without their schemas: an unqualified name among them must be resolved. */
  readonly names: ReadonlySet<string>
}

export const make = (tables: ReadonlyArray<SyncedTable>): SyncedTables => {
  const byName = new Map(tables.map((t) => [`${t.schema}\u0000${t.table}`, t]))
  return {
    find: (schema, table) => byName.get(`${schema}\u0000${table}`),
    schemas: new Set(tables.map((t) => t.schema)),
    names: new Set(tables.map((t) => t.table))
  }
}

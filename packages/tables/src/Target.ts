/**
 * The table a collection is written to: either one Tributary creates and migrates
 * (`Managed`: the standard columns plus the typed columns of the catalog), or a table
 * the user owns (`Mapped`: their columns, filled by their mapping).
 */
import { Collection } from "@tributary/core"
import type { Collection as C, SyncConfig } from "@tributary/core"
import { stripe } from "./catalog/Stripe.js"
import type { TypedColumn } from "./Columns.js"
import * as TableName from "./TableName.js"
import type { KeySource, Source, TablesConfig } from "./TablesConfig.js"

export interface Managed {
  readonly _tag: "Managed"
  readonly collection: C.CollectionId
  readonly name: TableName.QualifiedName
  readonly columns: ReadonlyArray<TypedColumn>
  readonly deleteMode: SyncConfig.DeleteMode | undefined
}

export interface MappedColumn {
  readonly column: string
  readonly source: Source
}

export interface Mapped {
  readonly _tag: "Mapped"
  readonly collection: C.CollectionId
  readonly name: TableName.QualifiedName
  readonly key: KeySource
  readonly columns: ReadonlyArray<MappedColumn>
  /** A mapped table without a column for `deleted` can only delete rows (hard). */
  readonly deleteMode: SyncConfig.DeleteMode | undefined
}

export type Target = Managed | Mapped

/** Typed columns per source, then per object. Other sources get the standard columns only. */
const catalogs: Readonly<Record<string, Readonly<Record<string, ReadonlyArray<TypedColumn>>>>> = { stripe }

export const typedColumns = (collection: C.CollectionId): ReadonlyArray<TypedColumn> =>
  catalogs[Collection.sourceOf(collection)]?.[Collection.objectOf(collection)] ?? []

/** Every collection the catalog knows, so a sink can create their tables before the first record. */
export const knownCollections = (): ReadonlyArray<C.CollectionId> =>
  Object.entries(catalogs).flatMap(([source, objects]) =>
    Object.keys(objects).map((object) => Collection.make(source, object)))

export const resolve = (config: TablesConfig, collection: C.CollectionId): Target => {
  const settings = config[collection]
  if (settings?.table !== undefined && settings.columns !== undefined) {
    const columns = Object.entries(settings.columns).map(([column, source]) => ({ column, source }))
    return {
      _tag: "Mapped",
      collection,
      name: TableName.parse(settings.table) ?? TableName.forCollection(collection),
      key: settings.key ?? "id",
      columns,
      deleteMode: columns.some((c) => c.source === "deleted") ? settings.delete_mode : "hard"
    }
  }
  return {
    _tag: "Managed",
    collection,
    name: TableName.forCollection(collection),
    columns: typedColumns(collection),
    deleteMode: settings?.delete_mode
  }
}

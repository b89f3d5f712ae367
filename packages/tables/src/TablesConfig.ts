/**
 * `TRIBUTARY_TABLES`: per-collection settings, as JSON. A collection may set its own
 * delete mode, and may be pointed at a table the user owns ("you control the schema")
 * with a mapping from the user's columns to fields of the record:
 *
 *   {
 *     "stripe:customer": { "delete_mode": "hard" },
 *     "stripe:subscription": {
 *       "table": "billing.subscriptions",
 *       "columns": { "id": "id", "stripe_id": "upstream_id", "customer_id": "data.customer",
 *                    "status": "data.status", "version": "updated_idx", "removed": "deleted" }
 *     }
 *   }
 */
import { Collection, Settings, SyncConfig } from "@tributary/core"
import { Config, Schema } from "effect"

/** The fields of a record a mapped column can take its value from. */
export const FIELDS = [
  "id", "upstream_id", "collection_id", "deleted", "updated_idx", "sync.id", "sync.external_id", "sync.metadata",
  "upstream_created_at", "upstream_updated_at", "data"
] as const
export type Field = typeof FIELDS[number]

/** A record field, or `data.<path>` for a value inside the upstream object. */
export const Source = Schema.String.pipe(
  Schema.filter((s) => (FIELDS as ReadonlyArray<string>).includes(s) || /^data(\.[^.]+)+$/.test(s), {
    message: () => `must be one of ${FIELDS.join(", ")}, or data.<path> (for example data.customer)`
  })
)
export type Source = typeof Source.Type

export const KeySource = Schema.Literal("id", "upstream_id")
export type KeySource = typeof KeySource.Type

export const CollectionSettings = Schema.Struct({
  /** Overrides the sync's delete mode for this collection. */
  delete_mode: Schema.optional(SyncConfig.DeleteMode),
  /** `schema.table` of a table the user created; Tributary never changes its schema. */
  table: Schema.optional(Schema.String.pipe(Schema.pattern(/^[^.]+(\.[^.]+)?$/, {
    message: () => "must be schema.table (or table, in public)"
  }))),
  /** Which record field the table's unique key holds. */
  key: Schema.optional(KeySource),
  /** User column → record field. */
  columns: Schema.optional(Schema.Record({ key: Schema.String, value: Source }))
}).pipe(
  Schema.filter((s) => {
    if (s.table === undefined) return s.columns === undefined || "columns need a table"
    if (s.columns === undefined) return "a mapped table needs columns"
    const sources = Object.values(s.columns)
    if (!sources.includes(s.key ?? "id")) return `one column must hold ${s.key ?? "id"} (the table's unique key)`
    if (!sources.includes("updated_idx")) return "one column must hold updated_idx (the version that keeps rows from going back in time)"
    return true
  }),
  Schema.annotations({ identifier: "CollectionSettings" })
)
export type CollectionSettings = typeof CollectionSettings.Type

/**
 * A key this does not know (a misspelt setting, a collection id that is not one) is an
 * error, not ignored: ignored, it would silently write somewhere else than the user meant.
 */
export const TablesConfig = Schema.Record({ key: Collection.CollectionId, value: CollectionSettings })
  .annotations({ identifier: "TablesConfig", parseOptions: { onExcessProperty: "error" } })
export type TablesConfig = typeof TablesConfig.Type

export const empty: TablesConfig = {}

export const fromEnv: Config.Config<TablesConfig> = Schema.Config(Settings.env("TABLES"), Schema.parseJson(TablesConfig))
  .pipe(Config.withDefault(empty))

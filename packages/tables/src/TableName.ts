/**
 * Where a collection's rows live: schema = source, table = object + "s"
 * (`stripe:customer` → `stripe.customers`, `stripe:invoice_line_item` →
 * `stripe.invoice_line_items`). Identifiers are always quoted when written into SQL,
 * so a user-mapped table may use any name Postgres accepts.
 */
import { Collection } from "@tributary/core"
import type { Collection as C } from "@tributary/core"

export interface QualifiedName {
  readonly schema: string
  readonly table: string
}

export const forCollection = (collection: C.CollectionId): QualifiedName => ({
  schema: Collection.sourceOf(collection),
  table: `${Collection.objectOf(collection)}s`
})

/** `"a""b"`: an identifier quoted the way Postgres reads it back unchanged. */
export const quoteIdent = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

export const toSql = (name: QualifiedName): string => `${quoteIdent(name.schema)}.${quoteIdent(name.table)}`

/** `schema.table`, as a user writes it in configuration and as messages show it. */
export const toText = (name: QualifiedName): string => `${name.schema}.${name.table}`

/** Reads `schema.table` (a bare `table` means `public`); quotes are not needed. */
export const parse = (text: string): QualifiedName | undefined => {
  const parts = text.split(".")
  if (parts.length === 1 && parts[0] !== "") return { schema: "public", table: parts[0]! }
  if (parts.length === 2 && parts[0] !== "" && parts[1] !== "") return { schema: parts[0]!, table: parts[1]! }
  return undefined
}

/** Postgres truncates identifiers at 63 bytes; index names stay under it and stay unique per table. */
export const indexName = (name: QualifiedName, column: string): string => {
  const full = `${name.table}_${column}_idx`
  return Buffer.byteLength(full) <= 63 ? full : `${full.slice(0, 50)}_${hash8(full)}`
}

const hash8 = (text: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h.toString(16).padStart(8, "0")
}

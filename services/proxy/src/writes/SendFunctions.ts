/**
 * Each type's binary output function (`pg_type.typsend`), by type id, schema-qualified so
 * the client's search_path cannot stand another function in. RETURNING's binary columns
 * are read through it (`Results`). A type's send function does not change for the life of
 * its id, so each is asked once per process: a write whose binary types are known costs no
 * round trip for them.
 */
import type pg from "pg"
import { quote } from "../sql/Plan.js"

/** A reader connection (`Results.Queryable`, which reads through this module). */
type Queryable = Pick<pg.ClientBase, "query">

/** A type with no send function (`aclitem`): Postgres itself cannot send it in binary. */
export interface NoSendFunction {
  readonly typeId: number
  readonly typeName: string
}

export interface SendFunctions {
  /** The qualified send function of each type id, or the first type that has none. */
  readonly of: (client: Queryable, typeIds: ReadonlyArray<number>) => Promise<ReadonlyMap<number, string> | NoSendFunction>
}

interface Row {
  /** int8, which node-postgres reads as a string. */
  readonly type_id: string
  readonly type_name: string
  readonly schema: string | null
  readonly name: string | null
}

const LOOKUP = "select t.oid::pg_catalog.int8 as type_id, pg_catalog.format_type(t.oid, null) as type_name, " +
  "n.nspname as schema, p.proname as name from pg_catalog.pg_type t " +
  "left join pg_catalog.pg_proc p on p.oid operator(pg_catalog.=) t.typsend " +
  "left join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace " +
  "where t.oid operator(pg_catalog.=) any($1::pg_catalog.oid[])"

export const make = (): SendFunctions => {
  const known = new Map<number, string | NoSendFunction>()
  return {
    of: async (client, typeIds) => {
      const missing = [...new Set(typeIds)].filter((id) => !known.has(id))
      if (missing.length > 0) {
        const result = await client.query<Row>(LOOKUP, [missing])
        for (const row of result.rows) {
          const typeId = Number(row.type_id)
          known.set(typeId, row.schema === null || row.name === null
            ? { typeId, typeName: row.type_name }
            : `${quote(row.schema)}.${quote(row.name)}`)
        }
      }
      const functions = new Map<number, string>()
      for (const id of typeIds) {
        const sender = known.get(id) ?? { typeId: id, typeName: `type ${id}` }
        if (typeof sender !== "string") return sender
        functions.set(id, sender)
      }
      return functions
    }
  }
}

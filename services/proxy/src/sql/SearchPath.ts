/**
 * Where unqualified table names resolve through a client's search_path, asked of the
 * catalog as Postgres resolves them: `to_regclass` on a reader connection (the client
 * role, so schemas it may not use are skipped as in the client's session) with the
 * client's search_path set, which the reader's clean-up (`DISCARD ALL`) undoes.
 *
 * The catalog is asked every time, not cached: a table created or dropped later (a
 * `public.customers` of the user's own) changes what a name means at once.
 *
 * The client's temporary tables live in its own session, which another connection
 * cannot search. A name that any session has a temporary table of is therefore left
 * unresolved: the statement passes through, and the client's own session decides (its
 * temporary table, or 42501 on the synced table). Unless the search_path names pg_temp
 * after the schema the name lands in: Postgres searches pg_temp first only when the path
 * does not name it, so no temporary table can come first then.
 */
import type { Report } from "../wire/Backend.js"
import type { Resolution } from "../session/Writes.js"
import type { ReaderSessions } from "../writes/ReaderSessions.js"
import * as ErrorMapping from "../writes/ErrorMapping.js"

const RESOLVE = `
select r.name, n.nspname as schema,
  exists (
    select from pg_catalog.pg_class t join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
    where t.relname = r.name and pg_catalog.starts_with(tn.nspname, 'pg_temp_')
  ) as temporary
from pg_catalog.unnest($1::text[]) as r(name)
left join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(r.name))
left join pg_catalog.pg_namespace n on n.oid = c.relnamespace`

interface Row {
  readonly name: string
  readonly schema: string | null
  readonly temporary: boolean
}

export const resolver = (readers: ReaderSessions) =>
  async (searchPath: string, names: ReadonlyArray<string>): Promise<Resolution> => {
    try {
      const rows = await readers.use(new Map(), async (client) => {
        // Pipelined: one round trip.
        const [, result] = await Promise.all([
          client.query("select pg_catalog.set_config('search_path', $1, false)", [searchPath]),
          client.query<Row>(RESOLVE, [[...names]])
        ])
        return result.rows
      })
      const schemas = new Map<string, string>()
      const path = schemasOf(searchPath)
      for (const row of rows) if (row.schema !== null && !(row.temporary && mayComeFirst(path, row.schema))) schemas.set(row.name, row.schema)
      return { ok: true, schemas }
    } catch (error) {
      const report: Report = {
        ...ErrorMapping.fromDatabase(error),
        hint: "The proxy could not resolve the table names of this write with your search_path. Qualify them (schema.table), or retry."
      }
      return { ok: false, report }
    }
  }

/**
 * Whether a temporary table may come before `schema` in `path`: pg_temp is searched first
 * unless the path names it, and then where it names it. A schema the path reaches only
 * through `$user` is not placed, so a temporary table may come first.
 */
const mayComeFirst = (path: ReadonlyArray<string>, schema: string): boolean => {
  const temp = path.indexOf("pg_temp")
  const at = path.indexOf(schema)
  return temp < 0 || at < 0 || temp < at
}

/**
 * The schema names of a search_path as `SHOW` gives it, as Postgres reads the setting:
 * comma-separated identifiers, a quoted one as written (its `""` a quote), an unquoted
 * one folded to lower case.
 */
export const schemasOf = (searchPath: string): Array<string> => {
  const names: Array<string> = []
  let at = 0
  const skipSpaces = () => {
    while (at < searchPath.length && /\s/.test(searchPath[at]!)) at++
  }
  while (at < searchPath.length) {
    skipSpaces()
    let name = ""
    if (searchPath[at] === '"') {
      at++
      while (at < searchPath.length) {
        if (searchPath[at] === '"' && searchPath[at + 1] === '"') {
          name += '"'
          at += 2
        } else if (searchPath[at] === '"') {
          at++
          break
        } else {
          name += searchPath[at++]
        }
      }
    } else {
      while (at < searchPath.length && searchPath[at] !== ",") name += searchPath[at++]
      name = name.trim().toLowerCase()
    }
    names.push(name)
    skipSpaces()
    if (searchPath[at] === ",") at++
  }
  return names
}

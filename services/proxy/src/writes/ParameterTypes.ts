/**
 * The types of a write's parameters as Postgres gives them. A client may leave a
 * parameter's type to Postgres in Parse (0) and still bind its value in binary: pgx and
 * asyncpg describe the statement and bind in the types Postgres reported, node-pg binds a
 * Buffer so. Binary bytes mean nothing without their type (`00 00 00 09` is int4 9, and as
 * text an invalid NUL), so the write's statement is prepared again on the reader
 * connection, where it is analysed as upstream analysed it (the client role, the client's
 * search_path), and its parameters' types read back from `pg_prepared_statements`.
 * Preparing checks no privileges and runs nothing; the prepared statement is deallocated,
 * and the connection's `DISCARD ALL` would drop it anyway. Only a write with a binary
 * parameter of unspecified type asks.
 */
import type { Queryable } from "./Results.js"

const PREPARED = "tributary_parameter_types"

/** Whether some binary parameter's type was left to Postgres. */
export const unspecified = (formats: ReadonlyArray<number>, declared: ReadonlyArray<number>): boolean =>
  formats.some((format, i) => format === 1 && (declared[i] ?? 0) === 0)

/** Every parameter's type (`count` of them), the declared ones kept, the rest as Postgres infers them for `statement`. */
export const inferred = async (
  client: Queryable,
  statement: string,
  declared: ReadonlyArray<number>,
  count: number
): Promise<ReadonlyArray<number>> => {
  const oids = Array.from({ length: count }, (_, i) => declared[i] ?? 0)
  // PREPARE names types, not oids: the declared ones as the catalog spells them, `unknown` for the rest.
  const names = await client.query<{ name: string | null }>(
    "select case when t operator(pg_catalog.=) 0 then 'unknown' else pg_catalog.format_type(t, null) end as name " +
      "from pg_catalog.unnest($1::pg_catalog.oid[]) with ordinality as d(t, i) order by i",
    [oids]
  )
  const list = names.rows.map((row) => row.name ?? "unknown").join(", ")
  await client.query(`prepare ${PREPARED}${count === 0 ? "" : ` (${list})`} as ${statement}`)
  try {
    const types = await client.query<{ types: ReadonlyArray<number> }>(
      "select parameter_types::pg_catalog.oid[] as types from pg_catalog.pg_prepared_statements where name operator(pg_catalog.=) $1",
      [PREPARED]
    )
    return (types.rows[0]?.types ?? []).map(Number)
  } finally {
    await client.query(`deallocate ${PREPARED}`)
  }
}

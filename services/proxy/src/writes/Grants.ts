/**
 * The client role reads synced tables and writes none: direct writes that bypass the
 * proxy fail with 42501. The proxy grants SELECT on every synced schema (and, through
 * default privileges, on tables the owner creates there later). Workers and replicas
 * starting together take turns on an advisory lock: concurrent GRANTs on one object fail
 * with "tuple concurrently updated".
 */
import type pg from "pg"
import { quote } from "../sql/Plan.js"

const GRANT_LOCK = 7_215_500_113

export type Outcome = "granted" | "owner" | "superuser"

/**
 * Grants nothing (and revokes nothing) when the client role is the owner itself or a
 * superuser: revoking writes from the owner would stop the sink. The caller warns, since
 * direct writes then succeed.
 */
export const ensure = async (pool: pg.Pool, clientRole: string, schemas: Iterable<string>): Promise<Outcome> => {
  const role = quote(clientRole)
  const client = await pool.connect()
  try {
    const who = await client.query<{ owner: string; superuser: boolean | null }>(
      "select current_user as owner, (select rolsuper from pg_roles where rolname = $1) as superuser",
      [clientRole]
    )
    const row = who.rows[0]
    if (row?.owner === clientRole) return "owner"
    if (row?.superuser === true) return "superuser"
    await client.query("begin")
    await client.query("select pg_advisory_xact_lock($1)", [GRANT_LOCK])
    for (const schema of schemas) {
      const s = quote(schema)
      await client.query(`grant usage on schema ${s} to ${role}`)
      await client.query(`grant select on all tables in schema ${s} to ${role}`)
      await client.query(`revoke insert, update, delete, truncate on all tables in schema ${s} from ${role}`)
      await client.query(`alter default privileges in schema ${s} grant select on tables to ${role}`)
    }
    await client.query("commit")
    return "granted"
  } catch (error) {
    await client.query("rollback").catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

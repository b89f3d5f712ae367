/**
 * The client role reads synced tables and writes none: direct writes that bypass the
 * proxy fail with 42501. The proxy grants SELECT on every synced schema (and, through
 * default privileges, on tables the owner creates there later).
 */
import type pg from "pg"
import { quote } from "../sql/Plan.js"

export const ensure = async (pool: pg.Pool, clientRole: string, schemas: Iterable<string>): Promise<void> => {
  const role = quote(clientRole)
  for (const schema of schemas) {
    const s = quote(schema)
    await pool.query(`grant usage on schema ${s} to ${role}`)
    await pool.query(`grant select on all tables in schema ${s} to ${role}`)
    await pool.query(`revoke insert, update, delete, truncate on all tables in schema ${s} from ${role}`)
    await pool.query(`alter default privileges in schema ${s} grant select on tables to ${role}`)
  }
}

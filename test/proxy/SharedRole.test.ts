/**
 * Every proxy session, of every sync, runs upstream as one client role, and the proxy's
 * reader connections log in as it too. Postgres lets any role change its own password and
 * its own session defaults, so one credential holder's `ALTER ROLE current_user …`, or
 * psql's `\password` (which in psql 15 alters CURRENT_USER), would lock every session out
 * of upstream (the proxy logs in with the password it was given) or change every other
 * sync's sessions (`ALTER ROLE … SET statement_timeout = '1ms'`). The proxy refuses both.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { failure } from "./support/Failure.js"
import * as EmulatedStack from "./support/EmulatedStack.js"

const run = promisify(execFile)
const fixture = EmulatedStack.use()

/** The client role's session defaults (in any database), as the owner sees them. */
const roleSettings = async () => {
  const owner = await fixture.clients.connect(fixture.stack.ownerUrl)
  const role = new URL(fixture.stack.clientRoleUrl).username
  const rows = await owner.query(
    "select setconfig from pg_db_role_setting where setrole = (select oid from pg_roles where rolname = $1)", [role])
  return rows.rows.map((r) => r.setconfig as ReadonlyArray<string>)
}

/** A new session logs in upstream and reads, as the role's password and defaults allow. */
const expectNewSessionsWork = async () => {
  const fresh = await fixture.clients.connect(fixture.stack.b.url)
  expect((await fresh.query("select count(*)::int as n from stripe.customers")).rows).toEqual([{ n: 0 }])
}

describe("the client role every session shares", () => {
  it("refuses ALTER ROLE … PASSWORD with 42501 (simple query and psql's \\password form); new sessions still log in", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    const refused = await failure(client.query("alter role current_user password 'taken-over'"))
    expect(refused.code).toBe("42501")
    expect(refused.severity).toBe("ERROR")
    expect(refused.hint).toMatch(/proxy credentials rotate/)
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])

    const role = new URL(fixture.stack.clientRoleUrl).username
    // What psql 15's \password sends: ALTER USER of CURRENT_USER with a SCRAM verifier.
    const psql = await run("psql", [fixture.stack.a.url, "-X", "-v", "VERBOSITY=verbose", "-c",
      `ALTER USER "${role}" PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy'`]).catch((error: { stderr: string }) => error)
    expect(psql.stderr).toContain("42501")
    await expectNewSessionsWork()
  })

  it("refuses ALTER ROLE … SET in a prepared statement and in a multi-statement query; the role's defaults stay", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    const prepared = await failure(client.query({ name: "role_default", text: "alter role current_user set statement_timeout = '1ms'" }))
    expect(prepared.code).toBe("42501")
    const database = new URL(fixture.stack.a.url).pathname.slice(1)
    const multi = await failure(client.query(`select 1; alter user current_user in database "${database}" set search_path = nowhere`))
    expect(multi.code).toBe("42501")
    expect((await client.query("select 2 as ok")).rows).toEqual([{ ok: 2 }])
    expect(await roleSettings()).toEqual([])
    await expectNewSessionsWork()
  })

  it("passes other ALTER statements through to Postgres", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    await client.query("create temp table scratch (n int)")
    await client.query("alter table scratch add column m int")
    expect((await client.query("select count(*)::int as n from scratch")).rows).toEqual([{ n: 0 }])
    const denied = await failure(client.query("alter table stripe.customers add column nope int"))
    expect(denied.code).toBe("42501")
    expect(denied.message).toMatch(/must be owner/)
  })
})

/**
 * The Postgres proxy end to end: real Postgres, real NATS, real clients (psql, node-pg,
 * JDBC), and the Stripe emulator behind the writes, through the Stripe connector.
 */
import { StripeConnector } from "@tributary/connector-stripe"
import { execFile } from "node:child_process"
import { connect as connectTcp } from "node:net"
import { createSecureContext } from "node:tls"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { Child, Fixtures } from "@tributary/testkit"
import pg from "pg"
import Stripe from "stripe"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { failure } from "./support/Failure.js"
import * as BackendKey from "./support/BackendKey.js"
import * as Clients from "./support/Clients.js"
import * as ProxyStack from "./support/ProxyStack.js"

const run = promisify(execFile)

let stack: ProxyStack.ProxyStack
let emulator: RunningEmulator
/** The API as sync `a`'s account sees it. */
let api: Stripe
const clients = Clients.make()

const customerCount = async () => (await api.customers.list({ limit: 100 })).data.length

const connect = clients.connect


beforeAll(async () => {
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const [a, b] = emulator.apiKeys
  api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  stack = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] })
})

afterAll(async () => {
  await clients.endAll()
  await stack?.stop()
  await emulator?.stop()
})

beforeEach(async () => {
  await emulator.admin().resetFaults()
})

describe("reads and sessions", () => {
  it("passes reads through as the client role, with the client's session state", async () => {
    const client = await connect(stack.a.url)
    const result = await client.query("select $1::int + 1 as answer, current_user as role", [41])
    expect(result.rows[0].answer).toBe(42)
    expect(result.rows[0].role).toMatch(/^client_/)
    await client.query("set application_name = 'kept'")
    expect((await client.query("show application_name")).rows[0].application_name).toBe("kept")
    const error = await failure(client.query("selec 1"))
    expect(error.code).toBe("42601")
    expect(error.position).toBe("1")
    expect((await client.query("select count(*)::int as n from stripe.customers")).rows[0].n).toBe(0)
  })

  it("runs a multi-statement simple query with a write in the middle", async () => {
    const client = await connect(stack.a.url)
    const results = await client.query("select 1 as one; insert into stripe.customers (email) values ('multi@x.co') returning email; select 2 as two") as unknown as Array<pg.QueryResult>
    expect(results.map((r) => r.rows)).toEqual([[{ one: 1 }], [{ email: "multi@x.co" }], [{ two: 2 }]])
    const failed = await failure(client.query("select 1; insert into stripe.customers (email) values ('nope'); select 2"))
    expect(failed.code).toBe("23514")
    expect((await client.query("select 3 as ok")).rows).toEqual([{ ok: 3 }])
  })

  it("hands out the upstream backend's process id, as pg_backend_pid() and notifications name it", async () => {
    // Clients tell their own NOTIFYs from others' by this id (the Postgres docs suggest it).
    const client = await connect(stack.a.url)
    const { processId: processID } = BackendKey.of(client)
    expect((await client.query("select pg_backend_pid() as pid")).rows[0].pid).toBe(processID)
    const notified = new Promise<number>((resolve) => client.once("notification", (n) => resolve(n.processId)))
    await client.query("listen own_pid")
    await client.query("notify own_pid")
    expect(await notified).toBe(processID)
  })

  it("maps CancelRequest to the upstream backend", async () => {
    const client = await connect(stack.a.url)
    const { processId: processID, secret: secretKey } = BackendKey.of(client)
    const sleeping = failure(client.query("select pg_sleep(30)"))
    // Cancel once the query runs upstream, seen from another session.
    const observer = await connect(stack.ownerUrl)
    await Fixtures.waitFor("the query to run upstream", async () => {
      const active = await observer.query(
        "select 1 from pg_stat_activity where state = 'active' and query = 'select pg_sleep(30)' and pid <> pg_backend_pid()")
      return active.rowCount === 1 ? true : undefined
    }, { timeoutMs: 10_000, intervalMs: 20 })
    const cancel = Buffer.alloc(16)
    cancel.writeInt32BE(16, 0)
    cancel.writeInt32BE(80877102, 4)
    cancel.writeInt32BE(processID, 8)
    cancel.writeInt32BE(secretKey, 12)
    const socket = connectTcp({ host: "127.0.0.1", port: stack.port }, () => socket.end(cancel))
    const error = await sleeping
    expect(error.code).toBe("57014")
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("refuses a wrong password with 28P01", async () => {
    const url = new URL(stack.a.url)
    url.password = "wrong"
    const error = await failure(connect(url.toString()))
    expect(error.code).toBe("28P01")
    const unknownUser = new URL(stack.a.url)
    unknownUser.username = `nobody.${stack.a.sync}`
    expect((await failure(connect(unknownUser.toString()))).code).toBe("28P01")
  })

  it("refuses the old password once a credential is rotated, and takes the new one", async () => {
    const rotated = await stack.rotate(stack.customersOnly)
    expect((await failure(connect(stack.customersOnly.url))).code).toBe("28P01")
    const client = await connect(rotated.url)
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("leaves the client role unable to write synced tables directly (42501)", async () => {
    const direct = await connect(stack.clientRoleUrl)
    const error = await failure(direct.query("insert into stripe.customers (id, upstream_id, updated_idx, sync_id, data) values (gen_random_uuid(), 'x', 1, 's', '{}')"))
    expect(error.code).toBe("42501")
  })
})

describe("writes", () => {
  it("psql inserts with RETURNING: the object exists upstream and the row right after", async () => {
    const { stdout } = await run("psql", [stack.a.url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c",
      "insert into stripe.customers (email, name) values ('paul@caladan.io', 'Paul') returning id, upstream_id, email"])
    const [id, upstreamId, email] = stdout.trim().split("|")
    expect(email).toBe("paul@caladan.io")
    expect((await api.customers.retrieve(upstreamId!) as Stripe.Customer).email).toBe("paul@caladan.io")
    const owner = await connect(stack.ownerUrl)
    const row = await owner.query("select upstream_id, sync_id, name from stripe.customers where id = $1", [id])
    expect(row.rows[0]).toEqual({ upstream_id: upstreamId, sync_id: stack.a.sync, name: "Paul" })
  })

  it("updates and deletes with parameters over the extended protocol (node-pg)", async () => {
    const client = await connect(stack.a.url)
    const inserted = await client.query("insert into stripe.customers (email) values ($1) returning upstream_id", ["a@x.co"])
    const upstreamId = inserted.rows[0].upstream_id as string
    const updated = await client.query("update stripe.customers set email = $1, name = $2 where upstream_id = $3", ["b@x.co", "B", upstreamId])
    expect(updated.rowCount).toBe(1)
    expect((await api.customers.retrieve(upstreamId) as Stripe.Customer).email).toBe("b@x.co")
    expect((await client.query("select email from stripe.customers where upstream_id = $1", [upstreamId])).rows[0].email).toBe("b@x.co")
    const deleted = await client.query("delete from stripe.customers where email = $1", ["b@x.co"])
    expect(deleted.rowCount).toBe(1)
    expect((await api.customers.retrieve(upstreamId)).deleted).toBe(true)
    const row = await client.query("select deleted from stripe.customers where upstream_id = $1", [upstreamId])
    expect(row.rows[0].deleted).toBe(true)
  })

  it("an invalid email is 23514 with the API's message; nothing is written and the connection goes on", async () => {
    const client = await connect(stack.a.url)
    const before = await customerCount()
    const error = await failure(client.query("insert into stripe.customers (email) values ($1)", ["pauldune.co"]))
    expect(error.code).toBe("23514")
    expect(error.message).toBe("stripe validation error")
    expect(error.detail).toMatch(/Invalid email/)
    expect(error.column).toBe("email")
    expect(error.severity).toBe("ERROR")
    expect(await customerCount()).toBe(before)
    expect((await client.query("select count(*)::int as n from stripe.customers where email = 'pauldune.co'")).rows[0].n).toBe(0)
    expect((await client.query("select 1 as ok")).rows[0].ok).toBe(1)
  })

  it("maps an API 5xx to HV000 and an unreachable API to HV00N", async () => {
    const client = await connect(stack.a.url)
    await emulator.admin().faults({ errorRate5xx: 1 })
    const failed = await failure(client.query("insert into stripe.customers (email) values ('x@y.co')"))
    expect(failed.code).toBe("HV000")
    await emulator.admin().resetFaults()
    expect((await client.query("select count(*)::int as n from stripe.customers where email = 'x@y.co'")).rows[0].n).toBe(0)
    const unreachable = await connect(stack.down.url)
    expect((await failure(unreachable.query("insert into stripe.customers (email) values ('x@y.co')"))).code).toBe("HV00N")
    expect((await unreachable.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("answers 58000 when the API takes longer than the timeout: the write may have happened", async () => {
    const client = await connect(stack.a.url)
    await emulator.admin().faults({ slowMs: ProxyStack.API_TIMEOUT_MS + 1_000 })
    const error = await failure(client.query("insert into stripe.customers (email) values ('slow@x.co')"))
    expect(error.code).toBe("58000")
    expect(error.hint).toMatch(/Do not retry blindly/)
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("refuses an upsert at Parse in the extended protocol, then goes on after Sync", async () => {
    const client = await connect(stack.a.url)
    const error = await failure(client.query(
      "insert into stripe.customers (email) values ($1) on conflict (id) do update set email = excluded.email", ["u@x.co"]
    ))
    expect(error.code).toBe("0A000")
    expect((await client.query("select $1::text as ok", ["yes"])).rows).toEqual([{ ok: "yes" }])
  })

  it("refuses 101 rows with 54000 and an upsert with 0A000", async () => {
    const client = await connect(stack.a.url)
    const rows = Array.from({ length: 101 }, (_, i) => `('r${i}@x.co')`).join(", ")
    const tooMany = await failure(client.query(`insert into stripe.customers (email) values ${rows}`))
    expect(tooMany.code).toBe("54000")
    expect(tooMany.message).toMatch(/at most 100 rows/)
    const upsert = await failure(client.query("insert into stripe.customers (email) values ('u@x.co') on conflict (id) do update set email = excluded.email"))
    expect(upsert.code).toBe("0A000")
    const nothing = await client.query("insert into stripe.customers (email) values ('n@x.co') on conflict do nothing returning email")
    expect(nothing.rows).toEqual([{ email: "n@x.co" }])
  })

  it("a write escapes a rolled-back transaction, with a NOTICE", async () => {
    const client = await connect(stack.a.url)
    const notices: Array<string> = []
    client.on("notice", (notice) => notices.push(notice.message ?? ""))
    await client.query("begin")
    await client.query("insert into stripe.customers (email) values ('escaped@x.co')")
    await client.query("rollback")
    expect(notices.some((n) => n.includes("outside your transaction block"))).toBe(true)
    expect((await client.query("select count(*)::int as n from stripe.customers where email = 'escaped@x.co'")).rows[0].n).toBe(1)
  })

  it("evaluates the user's expressions with the client role's privileges, not the owner's", async () => {
    const owner = await connect(stack.ownerUrl)
    await owner.query("create table if not exists public.owner_only (secret text); insert into public.owner_only values ('s3cret')")
    const client = await connect(stack.a.url)
    const before = await customerCount()
    for (const sql of [
      "insert into stripe.customers (email, name) values ('leak@x.co', (select secret from public.owner_only))",
      "update stripe.customers set name = 'x' where exists (select 1 from public.owner_only)",
      "insert into stripe.customers (email) values ('leak@x.co') returning (select secret from public.owner_only)",
      "update stripe.customers set name = 'x' where set_config('role', 'none', true) is not null " +
        "and query_to_xml('select secret from public.owner_only', true, false, '') is not null"
    ]) {
      expect((await failure(client.query(sql))).code).toBe("42501")
    }
    expect(await customerCount()).toBe(before)
  })

  it("one sync's credentials cannot write another sync's rows", async () => {
    const a = await connect(stack.a.url)
    const b = await connect(stack.b.url)
    await a.query("insert into stripe.customers (email) values ('owned-by-a@x.co')")
    const error = await failure(b.query("update stripe.customers set name = 'stolen' where email = 'owned-by-a@x.co'"))
    expect(error.code).toBe("42501")
  })

  it("a row of another sync of the same account, with the same upstream id, is refused too", async () => {
    const a = await connect(stack.a.url)
    const owner = await connect(stack.ownerUrl)
    const created = await a.query("insert into stripe.customers (email) values ('twice@x.co') returning upstream_id")
    const upstreamId = created.rows[0].upstream_id as string
    // The other sync's copy of the same customer, as its sink would write it.
    await owner.query("create temp table other_copy as select * from stripe.customers where upstream_id = $1", [upstreamId])
    await owner.query("update other_copy set id = gen_random_uuid(), sync_id = $1", [stack.customersOnly.sync])
    await owner.query("insert into stripe.customers select * from other_copy")
    const error = await failure(a.query("update stripe.customers set name = 'both' where upstream_id = $1", [upstreamId]))
    expect(error.code).toBe("42501")
    expect(error.message).toContain(stack.customersOnly.sync)
    const narrowed = await a.query("update stripe.customers set name = 'mine' where upstream_id = $1 and sync_id = $2", [upstreamId, stack.a.sync])
    expect(narrowed.rowCount).toBe(1)
    expect(((await api.customers.retrieve(upstreamId)) as Stripe.Customer).name).toBe("mine")
  })

  it("JDBC: prepared statements past prepareThreshold (binary ints, RETURNING too), a batch insert, a cursor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "proxy-jdbc-"))
    const url = new URL(stack.a.url)
    const source = join(dir, "ProxyJdbc.java")
    writeFileSync(source, `
import java.sql.*;
public class ProxyJdbc {
  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection(args[0], args[1], args[2])) {
      try (PreparedStatement batch = c.prepareStatement("insert into stripe.customers (email, balance) values (?, ?)")) {
        for (int i = 0; i < 3; i++) { batch.setString(1, "jdbc" + i + "@x.co"); batch.setLong(2, i); batch.addBatch(); }
        int total = 0; for (int n : batch.executeBatch()) total += n;
        System.out.println("batch " + total);
      }
      try (PreparedStatement update = c.prepareStatement("update stripe.customers set balance = ? where email = ?")) {
        for (int i = 0; i < 7; i++) { update.setInt(1, 100 + i); update.setString(2, "jdbc0@x.co"); update.executeUpdate(); }
      }
      try (PreparedStatement returning = c.prepareStatement("update stripe.customers set balance = ? where email = ? returning balance, delinquent")) {
        for (int i = 0; i < 7; i++) { returning.setInt(1, 200 + i); returning.setString(2, "jdbc1@x.co"); try (ResultSet rs = returning.executeQuery()) { rs.next(); if (i == 6) System.out.println("returned " + rs.getLong(1) + " " + rs.getBoolean(2)); } }
      }
      try (PreparedStatement read = c.prepareStatement("select balance from stripe.customers where email = ?")) {
        for (int i = 0; i < 7; i++) { read.setString(1, "jdbc0@x.co"); try (ResultSet rs = read.executeQuery()) { rs.next(); if (i == 6) System.out.println("balance " + rs.getLong(1)); } }
      }
      c.setAutoCommit(false);
      try (PreparedStatement cursor = c.prepareStatement("select n from generate_series(1, 7) n")) {
        cursor.setFetchSize(2);
        long sum = 0; try (ResultSet rs = cursor.executeQuery()) { while (rs.next()) sum += rs.getLong(1); }
        System.out.println("fetched " + sum);
      }
      c.commit();
    }
  }
}`)
    const jdbcUrl = `jdbc:postgresql://127.0.0.1:${url.port}${url.pathname}`
    const { stdout } = await run("java", ["-cp", "/usr/share/java/postgresql.jar", source, jdbcUrl, decodeURIComponent(url.username), url.password], { timeout: 60_000 })
    expect(stdout).toContain("batch 3")
    expect(stdout).toContain("balance 106")
    // RETURNING past prepareThreshold, in binary: 206 is 00 … 00 ce, not UTF-8.
    expect(stdout).toContain("returned 206 false")
    // Fetched two rows at a time: row-limited Execute answered with PortalSuspended.
    expect(stdout).toContain("fetched 28")
  })
})

describe("TLS", () => {
  let secure: ProxyStack.ProxyStack
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "proxy-tls-"))
    const issued = await Child.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")])
    expect(issued.status, issued.stderr).toBe(0)
    const [a, b] = emulator.apiKeys
    secure = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] }, createSecureContext({
      cert: readFileSync(join(dir, "cert.pem")),
      key: readFileSync(join(dir, "key.pem"))
    }))
  })
  afterAll(async () => {
    await secure?.stop()
  })

  it("answers SSLRequest with TLS when a certificate is configured", async () => {
    const client = new pg.Client({ connectionString: secure.a.url, ssl: { rejectUnauthorized: false } })
    client.on("error", () => undefined)
    await client.connect()
    expect((client as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted).toBe(true)
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
    await client.end()
  })

  it("declines SSLRequest without a certificate, so sslmode=prefer falls back to plain", async () => {
    const { stdout } = await run("psql", [`${stack.a.url}?sslmode=prefer`, "-X", "-A", "-t", "-c", "select 42"])
    expect(stdout.trim()).toBe("42")
  })
})

/**
 * The proxy through a Postgres restart (fast shutdown, then start), on a private server so
 * stopping it disturbs no other test: sessions open at the time get Postgres' own FATAL
 * and are closed; new sessions after the restart work, and so do writes (the proxy's
 * owner pool and reader connections replace what they lost). A write whose API call is
 * answered while Postgres is down gets the 58000 that says the API has it and Postgres
 * does not yet, and nothing else: not the session's FATAL in its place. When the session
 * ends without Postgres' FATAL (its backend killed, an immediate shutdown), the client gets
 * the proxy's FATAL 08006 rather than a bare disconnect.
 */
import { spawn } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { Fixtures, PostgresServer } from "@tributary/testkit"
import pg from "pg"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ApiGate from "./support/ApiGate.js"
import * as Clients from "./support/Clients.js"
import { failure } from "./support/Failure.js"
import * as ProxyStack from "./support/ProxyStack.js"

let dir: string
let server: PostgresServer.PostgresServer
let emulator: RunningEmulator
let gate: ApiGate.ApiGate
let api: Stripe
let stack: ProxyStack.ProxyStack
const clients = Clients.make()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tributary-proxy-pg-restart-"))
  chmodSync(dir, 0o755)
  server = await PostgresServer.start({ dir: join(dir, "pg"), password: "restart" })
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  gate = await ApiGate.start(emulator.url)
  const [a, b] = emulator.apiKeys
  api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  stack = await ProxyStack.start(StripeConnector.make(), { url: gate.url, keys: [a!, b!] }, undefined, { postgresUrl: server.url })
}, 120_000)

afterAll(async () => {
  await clients.endAll()
  await stack?.stop()
  await gate?.stop()
  await emulator?.stop()
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** The table as its owner sees it, straight from Postgres. */
const rowsOf = async (upstreamId: string) => {
  const owner = new pg.Client({ connectionString: stack.ownerUrl })
  await owner.connect()
  try {
    return (await owner.query("select upstream_id, email from stripe.customers where upstream_id = $1", [upstreamId])).rows
  } finally {
    await owner.end()
  }
}

/** A client that keeps the error its connection ends with. */
const watched = async (url: string) => {
  const client = new pg.Client({ connectionString: url })
  const errors: Array<pg.DatabaseError> = []
  let ended = false
  client.on("error", (error) => errors.push(error as pg.DatabaseError))
  client.on("end", () => {
    ended = true
  })
  await client.connect()
  return { client, errors, ended: () => ended }
}

/** psql reading statements from a pipe, as a script or a tool holding a session would. */
const psqlSession = (url: string) => {
  const child = spawn("psql", [url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"], { stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
  })
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return {
    send: (sql: string) => child.stdin.write(`${sql}\n`),
    end: () => child.stdin.end(),
    stdout: () => stdout,
    stderr: () => stderr,
    exited
  }
}

const insertCustomer = async (client: pg.Client, email: string) => {
  const result = await client.query<{ upstream_id: string; email: string }>(
    "insert into stripe.customers (email) values ($1) returning upstream_id, email", [email])
  return result.rows[0]!
}

describe("proxy: Postgres restart", () => {
  it("ends the sessions open during a fast shutdown with Postgres' FATAL 57P01; sessions and writes after the restart work", async () => {
    // Warm the proxy's pools: the owner's connection and the readers' are idle when Postgres goes.
    const before = await clients.connect(stack.a.url)
    await insertCustomer(before, "before@restart.io")
    await Promise.all([1, 2, 3].map((i) => clients.connect(stack.a.url).then((c) => insertCustomer(c, `warm${i}@restart.io`))))

    const idle = await watched(stack.a.url)
    const busy = await watched(stack.a.url)
    const sleeping = failure(busy.client.query("select pg_sleep(60)"))
    const inTransaction = await watched(stack.a.url)
    await inTransaction.client.query("begin")
    await inTransaction.client.query("select count(*) from stripe.customers")
    const psql = psqlSession(stack.a.url)
    psql.send("select 'psql before';")
    await Fixtures.waitFor("psql's first answer", () => (psql.stdout().includes("psql before") ? true : undefined))
    // The sleep runs upstream before Postgres goes.
    await Fixtures.waitFor("the sleep upstream", async () => {
      const rows = (await (await clients.connect(stack.a.url)).query(
        "select 1 from pg_stat_activity where query = 'select pg_sleep(60)' and state = 'active'")).rows
      return rows.length > 0 ? true : undefined
    })

    await server.stop()
    // Postgres' own answer, relayed: FATAL 57P01, and the connection closed.
    const error = await sleeping
    expect(error.code).toBe("57P01")
    expect(error.severity).toBe("FATAL")
    for (const session of [idle, inTransaction]) {
      await Fixtures.waitFor("the idle session's FATAL", () => (session.errors.length > 0 ? true : undefined))
      expect(session.errors[0]).toMatchObject({ code: "57P01", severity: "FATAL" })
      await Fixtures.waitFor("the idle session closed", () => (session.ended() ? true : undefined))
    }
    await Fixtures.waitFor("the busy session closed", () => (busy.ended() ? true : undefined))
    // While Postgres is down, a new session is refused at once (FATAL, as Postgres' own refusal is).
    const refused = await failure(clients.connect(stack.a.url))
    expect(refused.message).toMatch(/cannot reach upstream Postgres/)

    await server.restart()
    psql.send("select 'psql after';")
    psql.end()
    // psql: 2 when the connection went bad in a session that is not interactive.
    expect(await psql.exited).toBe(2)
    expect(psql.stderr()).toMatch(/terminating connection due to administrator command/)
    expect(psql.stdout()).not.toContain("psql after")

    // A new session works, and so do writes: to the API, then Postgres, with RETURNING.
    const after = await clients.connect(stack.a.url)
    expect((await after.query("select count(*)::int as n from stripe.customers")).rows[0].n).toBe(4)
    const written = await insertCustomer(after, "after@restart.io")
    expect((await api.customers.retrieve(written.upstream_id) as Stripe.Customer).email).toBe("after@restart.io")
    expect(await rowsOf(written.upstream_id)).toEqual([{ upstream_id: written.upstream_id, email: "after@restart.io" }])
    // More writes at once than one idle connection of each pool: none gets a dead connection.
    const many = await Promise.all([1, 2, 3, 4].map(async (i) =>
      insertCustomer(await clients.connect(stack.a.url), `many${i}@restart.io`)))
    for (const row of many) expect(await rowsOf(row.upstream_id)).toHaveLength(1)
    const updated = await after.query("update stripe.customers set name = 'Renamed' where upstream_id = $1 returning name", [written.upstream_id])
    expect(updated.rows).toEqual([{ name: "Renamed" }])
  }, 120_000)

  it.each([
    ["a simple query", "insert into stripe.customers (email) values ('inflight-simple@restart.io') returning upstream_id", [], "inflight-simple@restart.io"],
    ["an extended-protocol batch", "insert into stripe.customers (email) values ($1) returning upstream_id", ["inflight-extended@restart.io"], "inflight-extended@restart.io"]
  ] as const)("answers a write (%s) whose API call returns while Postgres is down with 58000: the API has it, Postgres not yet", async (_, sql, values, email) => {
    const client = await watched(stack.a.url)
    const held = gate.hold((method, path) => method === "POST" && path.startsWith("/v1/customers"))
    const writing = failure(client.client.query(sql, [...values]))
    const answered = await held.answered
    expect(answered.status).toBe(200)
    const id = (JSON.parse(answered.body) as { id: string }).id
    // The client's own upstream session goes with Postgres, before the proxy hears from the API.
    await server.stop()
    held.release()
    const error = await writing
    expect(error).toMatchObject({ code: "58000", severity: "ERROR" })
    expect(error.message).toMatch(/accepted the write, but applying it to stripe\.customers failed/)
    expect(error.detail).toContain(id)
    expect(error.hint).toMatch(/Do not retry/)
    // Then the session ends with Postgres' FATAL.
    await Fixtures.waitFor("the session's FATAL", () => (client.errors.length > 0 ? true : undefined))
    expect(client.errors[0]).toMatchObject({ code: "57P01", severity: "FATAL" })
    await Fixtures.waitFor("the session closed", () => (client.ended() ? true : undefined))

    await server.restart()
    expect((await api.customers.retrieve(id) as Stripe.Customer).email).toBe(email)
    expect(await rowsOf(id)).toEqual([])
  }, 120_000)

  /** The backend that serves a client's session upstream (session pooling: the same one throughout). */
  const backendOf = async (client: pg.Client) =>
    (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid

  const expectLost = (error: pg.DatabaseError | undefined) => {
    expect(error).toMatchObject({ code: "08006", severity: "FATAL" })
    expect(error?.message).toMatch(/upstream Postgres session closed unexpectedly/)
    expect(error?.hint).toMatch(/Reconnect/)
  }

  it.each(["a backend killed (SIGKILL)", "an immediate shutdown"] as const)(
    "ends a session whose upstream closes without Postgres' FATAL (%s) with the proxy's FATAL 08006",
    async (how) => {
      const busy = await watched(stack.a.url)
      const idle = await watched(stack.a.url)
      const pid = await backendOf(busy.client)
      const sleeping = failure(busy.client.query("select pg_sleep(60)"))
      await Fixtures.waitFor("the sleep upstream", async () => {
        const rows = (await (await clients.connect(stack.a.url)).query(
          "select 1 from pg_stat_activity where pid = $1 and state = 'active'", [pid])).rows
        return rows.length > 0 ? true : undefined
      })

      // A killed backend says nothing; Postgres then ends every other session with only a WARNING, as an immediate shutdown does.
      if (how === "an immediate shutdown") await server.kill()
      else process.kill(pid, "SIGKILL")
      expectLost(await sleeping)
      await Fixtures.waitFor("the idle session's error", () => (idle.errors.length > 0 ? true : undefined))
      expectLost(idle.errors[0])
      for (const session of [busy, idle]) await Fixtures.waitFor("the session closed", () => (session.ended() ? true : undefined))

      // Postgres restarts after a crash by itself; after an immediate shutdown, the test restarts it.
      if (how === "an immediate shutdown") await server.restart()
      const after = await Fixtures.waitFor("a session after the crash", () => clients.connect(stack.a.url), { timeoutMs: 60_000 })
      expect((await after.query("select 1 as one")).rows).toEqual([{ one: 1 }])
    },
    120_000
  )
})

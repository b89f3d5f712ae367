/**
 * How often the relay asks the client's session before a write, counted on the wire between
 * the proxy and real Postgres: each question is a round trip the write waits for. The write
 * path is a recorder, as in Relay.test.ts.
 */
import { randomBytes } from "node:crypto"
import net from "node:net"
import { Collection, ProxyCredentials, SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Option } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { listen } from "../src/Listener.js"
import type { Listening } from "../src/Listener.js"
import type { ExecuteRequest, Writes } from "../src/session/Writes.js"
import * as Classify from "../src/sql/Classify.js"
import * as SyncedTables from "../src/sql/SyncedTables.js"
import type { WritePlan } from "../src/sql/WritePlan.js"
import * as UpstreamTarget from "../src/upstream/UpstreamTarget.js"

const customers: SyncedTables.SyncedTable = {
  collection: Collection.make("stripe", "customer"),
  schema: "stripe",
  table: "customers",
  writable: new Map([["email", { name: "email", type: "text", path: ["email"] }]]),
  computed: new Set()
}

const password = randomBytes(12).toString("hex")
const user = ProxyCredentials.userFor("app", SyncStore.newSyncId())
const executed: Array<ExecuteRequest<WritePlan>> = []
/** Everything the proxy sent upstream, in order. */
const upstreamBytes: Array<Buffer> = []
let listening: Listening
let forwarder: net.Server
let database: string

beforeAll(async () => {
  const admin = Fixtures.postgresUrl()
  database = `questions_${randomBytes(5).toString("hex")}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`create database ${database}`)
  await client.end()
  const inDatabase = Object.assign(new URL(admin), { pathname: `/${database}` })
  const setup = new pg.Client({ connectionString: inDatabase.toString() })
  await setup.connect()
  await setup.query("create schema stripe; create table stripe.customers (email text)")
  await setup.end()

  // Between the proxy and Postgres: passes everything on, keeps what goes upstream.
  forwarder = net.createServer((socket) => {
    const upstream = net.connect(Number(inDatabase.port), inDatabase.hostname)
    socket.on("data", (chunk) => {
      upstreamBytes.push(Buffer.from(chunk))
      upstream.write(chunk)
    })
    upstream.pipe(socket)
    socket.on("error", () => upstream.destroy())
    upstream.on("error", () => socket.destroy())
    socket.on("close", () => upstream.destroy())
    upstream.on("close", () => socket.destroy())
  })
  await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve))
  const forwarderPort = (forwarder.address() as net.AddressInfo).port

  await Classify.load()
  const classifier = Classify.make(SyncedTables.make([customers]))
  const writes: Writes<WritePlan> = {
    verdict: classifier.verdict,
    certainlyPasses: classifier.certainlyPasses,
    execute: async (request) => {
      executed.push(request)
      return { ok: true, result: { rows: [], tag: "INSERT 0 1", notices: [] } }
    },
    // The catalog's part is test/proxy's: here every name is in the path's first schema.
    resolveNames: async (searchPath, names) => {
      const first = searchPath.split(",")[0]!.trim()
      return { ok: true, schemas: new Map(names.map((name) => [name, first])) }
    }
  }
  const credential = new ProxyCredentials.ProxyCredential({
    user,
    name: "app",
    sync_id: ProxyCredentials.parseUser(user).pipe(Option.getOrThrow).sync,
    verifier: ProxyCredentials.encodeVerifier(ProxyCredentials.scramSecret(password)),
    created_at: new Date().toISOString(),
    rotated_at: new Date().toISOString()
  })
  listening = await listen<WritePlan>({
    host: "127.0.0.1",
    port: 0,
    upstream: UpstreamTarget.fromUrl(Object.assign(new URL(inDatabase.toString()), { port: String(forwarderPort) }).toString()),
    tls: undefined,
    lookup: async (name) => name === user ? Option.some(credential) : Option.none(),
    writesFor: () => writes,
    log: () => undefined
  })
})

afterAll(async () => {
  await listening?.close()
  await new Promise((resolve) => forwarder?.close(resolve))
})

/** How many times `text` went upstream while `work` ran, and the writes it handed over. */
const during = async (work: (client: pg.Client) => Promise<unknown>, text: string) => {
  const client = new pg.Client({ host: "127.0.0.1", port: listening.port, user, password, database })
  await client.connect()
  const before = upstreamBytes.length
  const writesBefore = executed.length
  await work(client)
  await client.end()
  const sent = Buffer.concat(upstreamBytes.slice(before)).toString("latin1")
  return { times: sent.split(text).length - 1, writes: executed.slice(writesBefore) }
}

describe("the session's questions before a write", () => {
  it("asks once for a simple query's write to an unqualified name: the search_path comes with the write's settings", async () => {
    const { times, writes } = await during(async (client) => {
      await client.query("set search_path = stripe, public")
      await client.query("set timezone = 'Asia/Tokyo'")
      await client.query("insert into customers (email) values ('a@x.co')")
    }, "show search_path")
    expect(times).toBe(1)
    expect(writes.map((w) => [w.write.relation.table.table, w.sessionParameters.get("search_path"), w.sessionParameters.get("TimeZone")]))
      .toEqual([["customers", "stripe, public", "Asia/Tokyo"]])
  })

  it("asks again in a multi-statement query for each write, after the statements before it", async () => {
    const { times, writes } = await during(async (client) => {
      await client.query("set search_path = stripe, public; insert into customers (email) values ('b@x.co'); " +
        "set extra_float_digits = 3; insert into customers (email) values ('c@x.co')")
    }, "show search_path")
    expect(times).toBe(2)
    // Postgres' default, then the SET between the two writes.
    expect(writes.map((w) => w.sessionParameters.get("extra_float_digits"))).toEqual(["1", "3"])
  })

  it("asks at Parse and again at Execute in a batch, where statements may run in between", async () => {
    const { times, writes } = await during(async (client) => {
      await client.query("set search_path = stripe, public")
      await client.query("insert into customers (email) values ($1)", ["d@x.co"])
    }, "show search_path")
    expect(times).toBe(2)
    expect(writes.map((w) => w.sessionParameters.get("search_path"))).toEqual(["stripe, public"])
  })
})

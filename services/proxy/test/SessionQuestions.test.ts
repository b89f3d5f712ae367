/**
 * How often the relay asks the client's session before a write, counted on the wire between
 * the proxy and real Postgres: each question is a round trip the write waits for. The write
 * path is a recorder, as in Relay.test.ts.
 */
import net from "node:net"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Listening } from "../src/Listener.js"
import type { ExecuteRequest } from "../src/session/Writes.js"
import type { WritePlan } from "../src/sql/WritePlan.js"
import * as RecordingProxy from "./support/RecordingProxy.js"

/** Everything the proxy sent upstream, in order. */
const upstreamBytes: Array<Buffer> = []
let listening: Listening
let user: string
let password: string
let database: string
let executed: Array<ExecuteRequest<WritePlan>>
let forwarder: net.Server

beforeAll(async () => {
  const fresh = await RecordingProxy.freshDatabase("questions")
  database = fresh.database
  const inDatabase = fresh.url

  // Between the proxy and Postgres: passes everything on, keeps what goes upstream.
  forwarder = net.createServer((socket) => {
    const upstream = net.connect(Number(inDatabase.port), inDatabase.hostname)
    socket.on("data", (chunk) => {
      upstreamBytes.push(Buffer.from(chunk))
      upstream.write(chunk)
    })
    upstream.pipe(socket)
    upstream.on("error", () => socket.destroy())
    socket.on("close", () => upstream.destroy())
    upstream.on("close", () => socket.destroy())
  })
  await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve))
  const forwarderPort = (forwarder.address() as net.AddressInfo).port
  ;({ listening, user, password, executed } = await RecordingProxy.start(
    Object.assign(new URL(inDatabase.toString()), { port: String(forwarderPort) }).toString()
  ))
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

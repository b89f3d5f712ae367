/**
 * The proxy service as deployed, with two worker processes (the default on a two-core
 * machine is a worker per core): sessions on both workers, a CancelRequest that lands on
 * the worker its session is not on (so the primary must relay it; with the relay cut, both
 * queries run to their end), and `/metrics` answering for the whole replica from any worker.
 */
import { StripeConnector } from "@tributary/connector-stripe"
import type { ChildProcess } from "node:child_process"
import { connect as connectTcp } from "node:net"
import { Fixtures } from "@tributary/testkit"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as BackendKey from "./support/BackendKey.js"
import * as Clients from "./support/Clients.js"
import * as ProxyStack from "./support/ProxyStack.js"
import * as ServiceProcess from "./support/ServiceProcess.js"

const METRICS_TOKEN = "workers-test-metrics-token"
let stack: ProxyStack.ProxyStack
let service: ChildProcess
let port: number
let httpPort: number
const clients = Clients.make()

const urlOf = (credential: ProxyStack.Credential) => Object.assign(new URL(credential.url), { port: String(port) }).toString()

const connect = () => clients.connect(urlOf(stack.a))

const metric = (text: string, line: RegExp) => Number(line.exec(text)?.[1] ?? Number.NaN)

beforeAll(async () => {
  // No write goes to the API here.
  stack = await ProxyStack.start(StripeConnector.make(), { url: "http://127.0.0.1:1", keys: ["sk_test_a", "sk_test_b"] })
  const replica = await ServiceProcess.startWorkers(stack.serviceEnv, 2, { TRIBUTARY_METRICS_TOKEN: METRICS_TOKEN })
  ;({ child: service, port, httpPort } = replica)
})

afterAll(async () => {
  await clients.endAll()
  await ServiceProcess.stop(service)
  await stack?.stop()
})

describe("two workers", () => {
  it("cancels a query whichever worker the CancelRequest lands on", async () => {
    const sessions = [await connect(), await connect()]
    const sleeping = sessions.map((client) => client.query("select pg_sleep(30)").then(() => "finished", (error: pg.DatabaseError) => error.code))
    const owner = new pg.Client({ connectionString: stack.ownerUrl })
    await owner.connect()
    await Fixtures.waitFor("both sleeps running", async () => {
      const { rows } = await owner.query("select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(30)' and state = 'active'")
      return rows[0].n >= 2 ? true : undefined
    })
    await owner.end()
    // node:cluster hands connections to the workers in turn: the sessions went to one worker
    // each, so cancels sent in the other order land each on the worker its session is not on.
    for (const client of [...sessions].reverse()) {
      const { processId: processID, secret: secretKey } = BackendKey.of(client)
      const cancel = Buffer.alloc(16)
      cancel.writeInt32BE(16, 0)
      cancel.writeInt32BE(80877102, 4)
      cancel.writeInt32BE(processID, 8)
      cancel.writeInt32BE(secretKey, 12)
      const socket = connectTcp({ host: "127.0.0.1", port }, () => socket.end(cancel))
    }
    expect(await Promise.all(sleeping)).toEqual(["57014", "57014"])
  })

  it("answers /metrics for every worker of the replica, to the metrics token only", async () => {
    const scrape = () => fetch(`http://127.0.0.1:${httpPort}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect((await fetch(`http://127.0.0.1:${httpPort}/metrics`)).status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${httpPort}/metrics`, { headers: { authorization: "Bearer not-the-token-at-all" } })).status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200)
    const before = await (await scrape()).text()
    const open = metric(before, /^tributary_proxy_sessions (\d+)/m)
    const logins = metric(before, /^tributary_proxy_logins_total\{outcome="ok"\} (\d+)/m)
    for (let i = 0; i < 4; i++) await connect()
    // Each scrape may land on either worker; all of them report the replica's sums.
    for (let i = 0; i < 4; i++) {
      const text = await (await scrape()).text()
      expect(metric(text, /^tributary_proxy_sessions (\d+)/m)).toBe(open + 4)
      expect(metric(text, /^tributary_proxy_logins_total\{outcome="ok"\} (\d+)/m)).toBe(logins + 4)
    }
  })
})

/**
 * nats-server frozen (SIGSTOP): the proxy's NATS connection stays open and nothing answers,
 * so nats.js notices only from missed pings, minutes later, and the proxy still takes NATS
 * for connected. The proxy's reads that someone waits on have a timeout of their own
 * (1.5 s), well below JetStream's request timeout (5 s). A write that needs its sync's config
 * is refused with HV00N, saying NATS did not answer: nothing reached the API, so a retry is
 * safe. The session goes on, and writes work again once the server is thawed. A login is
 * refused with 57P03, saying NATS did not answer.
 */
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { NatsServer } from "@tributary/testkit"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Clients from "./support/Clients.js"
import { failure } from "./support/Failure.js"
import * as ProxyStack from "./support/ProxyStack.js"

let server: NatsServer.Private
let emulator: RunningEmulator
let api: Stripe
let stack: ProxyStack.ProxyStack
const clients = Clients.make()
/**
 * The proxy's own NATS read timeout (1.5 s) bounds the wait of a write and of a login, well
 * below the request timeout (5 s, what both waited for before): slack on top for a busy
 * 2-core host, short of the 5 s.
 */
const BOUND_MS = 3_500

beforeAll(async () => {
  server = await NatsServer.startPrivate("proxy-frozen-nats")
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const [a, b] = emulator.apiKeys
  api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  stack = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] }, undefined, { natsUrl: server.url })
}, 120_000)

afterAll(async () => {
  server?.thaw()
  await clients.endAll()
  await stack?.stop()
  await emulator?.stop()
  await server?.dispose()
})

describe("proxy: nats-server frozen", () => {
  it("refuses a write with HV00N within 3.5 s, saying NATS did not answer, nothing sent; the session goes on, and writes again once thawed", async () => {
    // Logged in while NATS answers; no write yet, so the sync's config is not cached.
    const open = await clients.connect(stack.a.url)
    const customersBefore = (await api.customers.list({ limit: 100 })).data.length
    server.freeze()
    try {
      const started = performance.now()
      const refused = await failure(open.query("insert into stripe.customers (email) values ($1)", ["frozen@nats.io"]))
      expect(performance.now() - started).toBeLessThan(BOUND_MS)
      expect(refused).toMatchObject({ code: "HV00N", severity: "ERROR" })
      expect(refused.message).toMatch(/NATS did not answer/)
      expect(refused.hint).toMatch(/Nothing was written/)
      expect((await open.query("select 1 as one")).rows).toEqual([{ one: 1 }])
    } finally {
      server.thaw()
    }
    expect((await api.customers.list({ limit: 100 })).data.length).toBe(customersBefore)
    const written = await open.query<{ upstream_id: string }>(
      "insert into stripe.customers (email) values ($1) returning upstream_id", ["thawed@nats.io"])
    expect((await api.customers.retrieve(written.rows[0]!.upstream_id) as Stripe.Customer).email).toBe("thawed@nats.io")
  })

  it("refuses a login with 57P03 within 3.5 s, saying NATS did not answer; logins work again once thawed", async () => {
    server.freeze()
    try {
      const started = performance.now()
      const refused = await failure(clients.connect(stack.a.url))
      expect(performance.now() - started).toBeLessThan(BOUND_MS)
      expect(refused).toMatchObject({ code: "57P03", severity: "FATAL" })
      expect(refused.message).toMatch(/NATS did not answer/)
    } finally {
      server.thaw()
    }
    const after = await clients.connect(stack.a.url)
    expect((await after.query("select 1 as one")).rows).toEqual([{ one: 1 }])
  })
})

/**
 * nats-server frozen (SIGSTOP): the proxy's NATS connection stays open and nothing answers,
 * so nats.js notices only from missed pings, minutes later, and the proxy still takes NATS
 * for connected. The proxy's reads that someone waits on have a timeout of their own
 * (`TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS`, 1.5 s by default), well below JetStream's
 * request timeout (5 s). A write that needs its sync's config is refused with HV00N, saying
 * NATS did not answer: nothing reached the API, so a retry is safe. The session goes on, and
 * writes work again once the server is thawed. A login is refused with 57P03, saying NATS
 * did not answer. The service process on the same NATS, with a read timeout set to 1 s,
 * answers `/readyz` with 503 within it, and 200 again once thawed.
 */
import type { ChildProcess } from "node:child_process"
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { Fixtures, NatsServer, Probes } from "@tributary/testkit"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Clients from "./support/Clients.js"
import { failure } from "./support/Failure.js"
import * as ProxyStack from "./support/ProxyStack.js"
import * as ServiceProcess from "./support/ServiceProcess.js"

let server: NatsServer.Private
let emulator: RunningEmulator
let api: Stripe
let stack: ProxyStack.ProxyStack
let service: ChildProcess
let httpPort: number
const clients = Clients.make()
/**
 * The proxy's own NATS read timeout (1.5 s) bounds the wait of a write and of a login, well
 * below the request timeout (5 s, what both waited for before): slack on top for a busy
 * 2-core host, short of the 5 s.
 */
const BOUND_MS = 3_500
/** The service process's NATS read timeout: not the default, so that `/readyz`'s reason shows the setting applies. */
const SERVICE_NATS_READ_TIMEOUT_MS = 1_000
const METRICS_TOKEN = "proxy-frozen-nats-metrics-token"

beforeAll(async () => {
  server = await NatsServer.startPrivate("proxy-frozen-nats")
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const [a, b] = emulator.apiKeys
  api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  stack = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] }, undefined, { natsUrl: server.url })
  ;({ child: service, httpPort } = await ServiceProcess.start(stack.serviceEnv, {
    TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS: String(SERVICE_NATS_READ_TIMEOUT_MS),
    TRIBUTARY_METRICS_TOKEN: METRICS_TOKEN
  }))
}, 120_000)

afterAll(async () => {
  server?.thaw()
  await clients.endAll()
  await ServiceProcess.stop(service)
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

  it("/readyz answers 503 within 3.5 s, NATS not answering within the service's read timeout; 200 once thawed", async () => {
    const readyz = (metricsToken?: string) => Probes.readyz(`http://127.0.0.1:${httpPort}`, metricsToken)
    await Fixtures.waitFor("the service ready", async () => ((await readyz()).status === 200 ? true : undefined), { timeoutMs: 60_000 })
    server.freeze()
    try {
      const started = performance.now()
      const answer = await readyz(METRICS_TOKEN)
      expect(performance.now() - started).toBeLessThan(BOUND_MS)
      expect(answer).toEqual({
        status: 503,
        body: { status: "not ready", reasons: [{ component: "nats", reason: `NATS did not answer within ${SERVICE_NATS_READ_TIMEOUT_MS} ms` }] }
      })
    } finally {
      server.thaw()
    }
    await Fixtures.waitFor("the service ready once thawed", async () => ((await readyz()).status === 200 ? true : undefined), { timeoutMs: 30_000 })
  })
})

/**
 * The proxy through a nats-server restart (graceful, or a crash), on a private server so
 * stopping it disturbs no other test. The proxy reads credentials (at each login) and sync
 * configs (at a write, trusted for `CONFIG_TTL_MS`) from NATS KV, with no watcher to
 * resume: while NATS is away, open sessions keep reading, a write is refused at once with
 * an ERROR (HV00N, nothing sent), never a FATAL, and a login at once with 57P03 saying
 * NATS is unreachable. After the restart the
 * same proxy, without a restart of its own, serves reads, writes and logins again, and a
 * credential rotated then is honoured at once. The service process on the same NATS says
 * it is not ready (`/readyz`) while NATS is away, and ready again after.
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
 * A refusal while NATS is away answers without waiting for a NATS request to time out
 * (5 s): a bound on behaviour, well above an answer's time on a loaded machine.
 */
const ANSWERS_AT_ONCE_MS = 2_000
const METRICS_TOKEN = "proxy-nats-restart-metrics-token"

beforeAll(async () => {
  server = await NatsServer.startPrivate("proxy-nats-restart")
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const [a, b] = emulator.apiKeys
  api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  stack = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] }, undefined, { natsUrl: server.url })
  ;({ child: service, httpPort } = await ServiceProcess.start(stack.serviceEnv, {
    TRIBUTARY_METRICS_TOKEN: METRICS_TOKEN
  }))
}, 120_000)

afterAll(async () => {
  await clients.endAll()
  await ServiceProcess.stop(service)
  await stack?.stop()
  await emulator?.stop()
  await server?.dispose()
})

const readyz = (metricsToken?: string) => Probes.readyz(`http://127.0.0.1:${httpPort}`, metricsToken)

const insertCustomer = async (url: string, email: string) => {
  const client = await clients.connect(url)
  const result = await client.query<{ upstream_id: string }>(
    "insert into stripe.customers (email) values ($1) returning upstream_id", [email])
  return result.rows[0]!.upstream_id
}

describe("proxy: NATS restart", () => {
  it.each(["stop", "kill"] as const)("serves reads, writes and logins again after nats-server restarts (%s), and honours a credential rotated then", async (how) => {
    const open = await clients.connect(stack.a.url)
    await insertCustomer(stack.a.url, `before-${how}@nats.io`)
    await Fixtures.waitFor("the service ready", async () => ((await readyz()).status === 200 ? true : undefined), { timeoutMs: 60_000 })

    await server[how]()
    // Why, for the metrics token; not a word of it without.
    await Fixtures.waitFor("the service not ready while NATS is away", async () =>
      Probes.notReadyFor(await readyz(METRICS_TOKEN), "nats", /NATS/) ? true : undefined)
    expect(await readyz()).toEqual({ status: 503, body: { status: "not ready" } })
    // Reads on an open session need no NATS.
    expect((await open.query("select count(*)::int as n from stripe.customers where email = $1", [`before-${how}@nats.io`])).rows)
      .toEqual([{ n: 1 }])
    // A write is refused at once, before anything reaches the API (safe to retry); the session goes on.
    let started = performance.now()
    const during = await failure(open.query("insert into stripe.customers (email) values ($1) returning upstream_id", [`during-${how}@nats.io`]))
    expect(performance.now() - started).toBeLessThan(ANSWERS_AT_ONCE_MS)
    expect(during).toMatchObject({ code: "HV00N", severity: "ERROR" })
    expect(during.message).toMatch(/NATS/)
    expect(during.hint).toMatch(/Nothing was written/)
    expect((await open.query("select 1 as one")).rows).toEqual([{ one: 1 }])
    // A login cannot check its credential: refused at once, saying why.
    started = performance.now()
    const refused = await failure(clients.connect(stack.a.url))
    expect(performance.now() - started).toBeLessThan(ANSWERS_AT_ONCE_MS)
    expect(refused).toMatchObject({ code: "57P03", severity: "FATAL" })
    expect(refused.message).toMatch(/NATS/)
    expect((await open.query("select count(*)::int as n from stripe.customers where email = $1", [`during-${how}@nats.io`])).rows)
      .toEqual([{ n: 0 }])

    await server.restart()
    await Fixtures.waitFor("the service ready again", async () => ((await readyz()).status === 200 ? true : undefined), { timeoutMs: 30_000 })
    // New sessions log in again once the proxy's NATS connection is back.
    const after = await Fixtures.waitFor("a login after the restart", () => clients.connect(stack.a.url), { timeoutMs: 30_000 })
    expect((await after.query("select 1 as one")).rows).toEqual([{ one: 1 }])
    const written = await insertCustomer(stack.a.url, `after-${how}@nats.io`)
    expect((await api.customers.retrieve(written) as Stripe.Customer).email).toBe(`after-${how}@nats.io`)
    // The session open throughout writes too.
    const fromOpen = await open.query<{ upstream_id: string }>(
      "insert into stripe.customers (email) values ($1) returning upstream_id", [`open-${how}@nats.io`])
    expect((await api.customers.retrieve(fromOpen.rows[0]!.upstream_id) as Stripe.Customer).email).toBe(`open-${how}@nats.io`)

    // A rotation after the restart applies to the next login: the old password is refused, the new one works.
    const rotated = await stack.rotate(stack.b)
    expect(await failure(clients.connect(stack.b.url))).toMatchObject({ code: "28P01" })
    const withNew = await clients.connect(rotated.url)
    expect((await withNew.query("select current_user like 'client_%' as ok")).rows).toEqual([{ ok: true }])
    stack = { ...stack, b: rotated }
  }, 120_000)
})

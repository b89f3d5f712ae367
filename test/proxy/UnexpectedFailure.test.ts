/**
 * A write the API accepted, then a failure in the proxy nothing foresaw (here a connector
 * whose objects cannot be encoded as records: a bug of the kind the executor cannot plan
 * for): the write answers 58000 with the API's ids and says not to retry, never XX000's
 * "may or may not", and the session goes on. services/proxy/test/UnexpectedFailure.test.ts
 * covers the relay's side (answers that cannot be built).
 */
import { StripeConnector } from "@tributary/connector-stripe"
import type { Connector } from "@tributary/core"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { Effect } from "effect"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Clients from "./support/Clients.js"
import { failure } from "./support/Failure.js"
import * as ProxyStack from "./support/ProxyStack.js"

let emulator: RunningEmulator
let api: Stripe
let stack: ProxyStack.ProxyStack
const clients = Clients.make()

/** Stripe's connector, its writer's objects carrying a value JSON cannot encode. */
const unencodable = (connector: Connector.Connector): Connector.Connector => ({
  ...connector,
  connect: (options) => Effect.map(connector.connect(options), (connection) => {
    const writer = connection.writer
    if (writer === undefined) return connection
    return {
      ...connection,
      writer: {
        ...writer,
        write: (ops) => Effect.map(writer.write(ops), (observed) => observed.map((o) => ({ ...o, data: { ...o.data, size: 1n } })))
      }
    }
  })
})

beforeAll(async () => {
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const [a, b] = emulator.apiKeys
  api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  stack = await ProxyStack.start(unencodable(StripeConnector.make()), { url: emulator.url, keys: [a!, b!] })
}, 120_000)

afterAll(async () => {
  await clients.endAll()
  await stack?.stop()
  await emulator?.stop()
})

describe("a write the proxy fails unforeseen after the API accepted it", () => {
  it("answers 58000 with the API's id, saying not to retry, and the session goes on", async () => {
    const client = await clients.connect(stack.a.url)
    const failed = await failure(client.query("insert into stripe.customers (email) values ($1)", ["unforeseen@x.co"]))
    const created = (await api.customers.list({ email: "unforeseen@x.co" })).data
    expect(created.length).toBe(1)
    expect(failed).toMatchObject({ code: "58000", severity: "ERROR", schema: "stripe", table: "customers" })
    expect(failed.message).toMatch(/^stripe accepted the write/)
    expect(failed.detail).toContain(created[0]!.id)
    expect(failed.hint).toMatch(/Do not retry/)
    expect((await client.query("select 1 as one")).rows).toEqual([{ one: 1 }])
  })
})

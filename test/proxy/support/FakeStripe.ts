/**
 * A stand-in for the Stripe connector's writer, in memory, until the connector can write
 * (it has no `writer` yet) and the emulator serves: customers only, with Stripe's shapes
 * for ids, validation errors and outages. Swap in `StripeConnector.make()` against the
 * emulator once both land.
 */
import { randomBytes } from "node:crypto"
import { StripeConnector } from "@tributary/connector-stripe"
import { Ids, UpstreamErrors } from "@tributary/core"
import type { Connector } from "@tributary/core"
import { Effect } from "effect"

export interface FakeStripe {
  readonly connector: Connector.Connector
  readonly customers: Map<string, Record<string, unknown>>
  /** Requests received (one per row: Stripe's batch size is 1). */
  readonly requests: Array<Connector.WriteOp>
  mode: "up" | "5xx" | "down"
}

const unused = Effect.die(new Error("not used by the proxy"))

export const make = (): FakeStripe => {
  const fake: FakeStripe = {
    customers: new Map(),
    requests: [],
    mode: "up",
    connector: undefined as unknown as Connector.Connector
  }
  const writeOne = (op: Connector.WriteOp): Effect.Effect<Connector.Observation, UpstreamErrors.UpstreamError> =>
    Effect.gen(function*() {
      if (fake.mode === "down") {
        return yield* new UpstreamErrors.UpstreamUnavailable({ source: "stripe", sent: false, detail: "connect ECONNREFUSED" })
      }
      fake.requests.push(op)
      if (fake.mode === "5xx") {
        return yield* new UpstreamErrors.UpstreamUnavailable({ source: "stripe", status: 500, sent: true, detail: "An unknown error occurred" })
      }
      const email = op.values.email
      if (typeof email === "string" && !email.includes("@")) {
        return yield* new UpstreamErrors.UpstreamRejected({
          source: "stripe", status: 400, code: "email_invalid", param: "email", detail: `Invalid email address: ${email}`
        })
      }
      const now = Date.now()
      const id = op.upstreamId ?? `cus_${randomBytes(7).toString("hex")}`
      const existing = fake.customers.get(id)
      if (op.action !== "insert" && existing === undefined) {
        return yield* new UpstreamErrors.UpstreamRejected({
          source: "stripe", status: 404, code: "resource_missing", param: "id", detail: `No such customer: '${id}'`
        })
      }
      if (op.action === "delete") {
        fake.customers.delete(id)
        return { collection: op.collection, upstreamId: id, deleted: true, data: null, createdAt: null, version: { from: now, to: now }, origin: "read" }
      }
      const data = { id, object: "customer", created: Math.floor(now / 1000), ...existing, ...op.values }
      fake.customers.set(id, data)
      return {
        collection: op.collection, upstreamId: id, deleted: false, data, createdAt: data.created * 1000,
        version: { from: now, to: now }, origin: "read"
      }
    })
  const writer: Connector.Writer = {
    batchSize: 1,
    maxRowsPerStatement: 100,
    write: (ops) => Effect.forEach(ops, writeOne)
  }
  const connector: Connector.Connector = {
    source: Ids.SourceName.make("stripe"),
    collections: StripeConnector.collections,
    rateLimit: () => ({ requests: 100, windowMs: 1000 }),
    connect: () =>
      Effect.succeed({
        backfill: { plan: () => [], page: () => unused },
        changes: { head: unused, next: () => unused },
        refresh: () => unused,
        writer
      })
  }
  Object.assign(fake, { connector })
  return fake
}

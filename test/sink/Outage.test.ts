/**
 * Postgres stopped for 30 s in the middle of a stream of changes, then restarted: the
 * sink stops acking, says it is not ready, retries with back-off, and the end state is
 * still exact. The server is a private one, so stopping it disturbs no other test.
 * Postgres turned read-only (what a failover to a standby looks like) does the same.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Ports, PostgresServer, Probes } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref } from "effect"
import pg from "pg"
import * as Harness from "./Harness.js"

const RECORDS = 200
const OUTAGE_MS = 30_000

const privatePostgres = Effect.acquireRelease(
  Effect.promise(async () => {
    const dir = mkdtempSync(join(tmpdir(), "tributary-sink-outage-"))
    chmodSync(dir, 0o755)
    return { dir, server: await PostgresServer.start({ dir: join(dir, "pg"), password: "outage" }) }
  }),
  ({ dir, server }) => Effect.promise(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })
)

const readyz = (port: number, metricsToken?: string) =>
  Effect.promise(() => Probes.readyz(`http://127.0.0.1:${port}`, metricsToken))

/** Not ready for Postgres, `reason` for the metrics token, and not a word of it without. */
const notReadyForPostgres = (port: number, reason: RegExp) =>
  Effect.gen(function*() {
    yield* Harness.until("/readyz says why, for the metrics token",
      Effect.map(readyz(port, Harness.METRICS_TOKEN), (answer) => Probes.notReadyFor(answer, "postgres", reason)))
    expect(yield* readyz(port)).toEqual({ status: 503, body: { status: "not ready" } })
  })

describe("sink: Postgres outage", () => {
  it.scopedLive("stops acking while Postgres is down and ends exact after it returns", () =>
    Effect.gen(function*() {
      const { server } = yield* privatePostgres
      const env = yield* Harness.env({ postgresUrl: server.url })
      const port = yield* Effect.promise(() => Ports.freePort())
      yield* Harness.replica(env, { retryMaxMs: 2_000, batchSize: 100 }, {}, { httpPort: port })
      yield* Harness.until("ready", Effect.map(readyz(port), (r) => r.status === 200))

      // A sync keeps publishing new versions throughout.
      const version = yield* Ref.make(0)
      const publisher = yield* Effect.gen(function*() {
        const v = yield* Ref.updateAndGet(version, (n) => n + 1)
        yield* Harness.publish(env, Array.from({ length: RECORDS }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx: v })))
        yield* Effect.sleep(250)
      }).pipe(Effect.forever, Effect.forkScoped)

      yield* Harness.until("rows flowing", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === RECORDS))
      yield* Effect.promise(() => server.stop())
      const stoppedAt = Date.now()
      const versionAtStop = yield* Ref.get(version)
      yield* Harness.until("/readyz says not ready", Effect.map(readyz(port), (r) => r.status === 503))
      yield* notReadyForPostgres(port, /./)
      // Nothing is acked meanwhile: what was delivered stays pending on the consumer.
      const info = yield* Effect.promise(() => env.nats.jsm.consumers.info(env.ns.streams.records, "sink"))
      expect(info.num_ack_pending + info.num_pending).toBeGreaterThan(0)
      // The outage itself lasts 30 s, whatever else happens.
      yield* Effect.sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)))
      expect(yield* Ref.get(version)).toBeGreaterThan(versionAtStop)
      yield* Effect.promise(() => server.restart())
      yield* Fiber.interrupt(publisher)
      const last = yield* Ref.get(version)

      yield* Harness.until("/readyz ready again", Effect.map(readyz(port), (r) => r.status === 200), 60_000)
      yield* Harness.until("every row at the last version", Effect.map(
        Harness.rows<{ n: number }>(env, "select count(*)::int as n from stripe.customers where updated_idx = $1", [last]),
        (rows) => rows[0]!.n === RECORDS), 60_000)
      const rows = yield* Harness.rows<{ n: number }>(env, "select count(*)::int as n from stripe.customers")
      expect(rows[0]!.n).toBe(RECORDS)
      const dead = yield* Harness.deadLetters(env)
      expect(dead).toEqual([])
    }), 150_000)

  it.scopedLive("stops acking while Postgres is read-only, skips nothing, and ends exact once it is writable again", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const port = yield* Effect.promise(() => Ports.freePort())
      const replica = yield* Harness.replica(env, { retryMaxMs: 500, batchSize: 50, maxDeliver: 2 }, {}, { httpPort: port })
      const versions = (updatedIdx: number) =>
        Array.from({ length: RECORDS }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx }))
      const rowsAt = (updatedIdx: number) =>
        Effect.map(Harness.rows<{ n: number }>(env,
          "select count(*)::int as n from stripe.customers where updated_idx = $1", [updatedIdx]), (rows) => rows[0]!.n)
      yield* Harness.publish(env, versions(1))
      yield* Harness.until("every row at version 1", Effect.map(rowsAt(1), (n) => n === RECORDS))
      yield* Harness.until("ready", Effect.map(readyz(port), (r) => r.status === 200))

      // From a connection to another database, which the setting does not reach.
      const database = new URL(env.postgresUrl).pathname.slice(1)
      const admin = yield* Effect.acquireRelease(
        Effect.promise(async () => {
          const url = new URL(env.postgresUrl)
          url.pathname = "/postgres"
          const client = new pg.Client({ connectionString: url.toString() })
          await client.connect()
          return client
        }),
        (client) => Effect.promise(() => client.end())
      )
      const readOnly = (on: boolean) => Effect.promise(async () => {
        await admin.query(`alter database "${database}" ${on ? "set default_transaction_read_only = on" : "reset default_transaction_read_only"}`)
        // Sessions take the setting when they start: end those open now, as a failover would.
        await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [database])
      })
      yield* readOnly(true)
      yield* Harness.publish(env, versions(2))
      yield* notReadyForPostgres(port, /read-only/)
      // Retried many times over (well past max_deliver), and still held: none acked, none dead-lettered.
      const failed = Effect.promise(() => replica.metrics.batches.get()).pipe(
        Effect.map((metric) => metric.values.find((v) => v.labels.outcome === "failed")?.value ?? 0))
      yield* Harness.until("several failed attempts", Effect.map(failed, (n) => n >= 6))
      const info = yield* Effect.promise(() => env.nats.jsm.consumers.info(env.ns.streams.records, "sink"))
      expect(info.num_ack_pending).toBeGreaterThan(0)
      expect(yield* rowsAt(2)).toBe(0)
      expect(yield* Harness.deadLetters(env)).toEqual([])

      yield* readOnly(false)
      yield* Harness.until("every row at version 2", Effect.map(rowsAt(2), (n) => n === RECORDS), 60_000)
      yield* Harness.until("/readyz ready again", Effect.map(readyz(port), (r) => r.status === 200), 30_000)
      expect(yield* Harness.countOf(env, "stripe.customers")).toBe(RECORDS)
      yield* Harness.until("no pending acks", Effect.promise(() =>
        env.nats.jsm.consumers.info(env.ns.streams.records, "sink").then((i) => i.num_ack_pending === 0 && i.num_pending === 0)))
      expect(yield* Harness.deadLetters(env)).toEqual([])
    }), 120_000)
})

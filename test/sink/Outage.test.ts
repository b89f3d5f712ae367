/**
 * Postgres stopped for 30 s in the middle of a stream of changes, then restarted: the
 * sink stops acking, says it is not ready, retries with back-off, and the end state is
 * still exact. The server is a private one, so stopping it disturbs no other test.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Ports, PostgresServer } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref } from "effect"
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

const readyz = (port: number) =>
  Effect.promise(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0))

describe("sink: Postgres outage", () => {
  it.scopedLive("stops acking while Postgres is down and ends exact after it returns", () =>
    Effect.gen(function*() {
      const { server } = yield* privatePostgres
      const env = yield* Harness.env({ postgresUrl: server.url })
      const port = yield* Effect.promise(() => Ports.freePort())
      yield* Harness.replica(env, { retryMaxMs: 2_000, batchSize: 100 }, {}, { httpPort: port })
      yield* Harness.until("ready", Effect.map(readyz(port), (status) => status === 200))

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
      yield* Harness.until("/readyz says not ready", Effect.map(readyz(port), (status) => status === 503))
      const body = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.text()))
      expect(body).toMatch(/^not ready: /)
      // Nothing is acked meanwhile: what was delivered stays pending on the consumer.
      const info = yield* Effect.promise(() => env.nats.jsm.consumers.info(env.ns.streams.records, "sink"))
      expect(info.num_ack_pending + info.num_pending).toBeGreaterThan(0)
      // The outage itself lasts 30 s, whatever else happens.
      yield* Effect.sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)))
      expect(yield* Ref.get(version)).toBeGreaterThan(versionAtStop)
      yield* Effect.promise(() => server.restart())
      yield* Fiber.interrupt(publisher)
      const last = yield* Ref.get(version)

      yield* Harness.until("/readyz ready again", Effect.map(readyz(port), (status) => status === 200), 60_000)
      yield* Harness.until("every row at the last version", Effect.map(
        Harness.rows<{ n: number }>(env, "select count(*)::int as n from stripe.customers where updated_idx = $1", [last]),
        (rows) => rows[0]!.n === RECORDS), 60_000)
      const rows = yield* Harness.rows<{ n: number }>(env, "select count(*)::int as n from stripe.customers")
      expect(rows[0]!.n).toBe(RECORDS)
      const dead = yield* Harness.deadLetters(env)
      expect(dead).toEqual([])
    }), 150_000)
})

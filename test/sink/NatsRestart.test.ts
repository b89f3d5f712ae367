/**
 * nats-server stopped in the middle of a stream and started again on the same port and
 * store, gracefully or by a crash: the running sink says it is not ready while NATS is
 * away, reconnects and carries on consuming without a restart of its own, its
 * delete-mode watch still sees changes, and the end state is exact. A server that hangs
 * (frozen, its connections still open) makes the sink not ready too, until it answers
 * again. The server is a private one, so stopping it disturbs no other test.
 */
import { Log, Nats, Secrets, SyncStore } from "@tributary/core"
import { NatsServer, Ports, Probes } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Redacted } from "effect"
import * as Harness from "./Harness.js"

const RECORDS = 2_000
const OUTAGE_MS = 5_000

const privateNats = Effect.acquireRelease(Effect.promise(() => NatsServer.startPrivate("sink-nats-restart")),
  (server) => Effect.promise(() => server.dispose()))

const versions = (updatedIdx: number) =>
  Array.from({ length: RECORDS }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx }))

const rowsAt = (env: Harness.Env, updatedIdx: number) =>
  Effect.map(
    Harness.rows<{ n: number }>(env, "select count(*)::int as n from stripe.customers where updated_idx = $1", [updatedIdx]),
    (rows) => rows[0]!.n
  )

/** The sync's delete mode set to hard in the syncs bucket, which the sink watches. */
const hardDeletes = (env: Harness.Env) =>
  SyncStore.create({ id: Harness.SYNC, source: "stripe", api_key: "sk_test_x", delete_mode: "hard" }).pipe(
    Effect.provide(Layer.mergeAll(Layer.succeed(Nats.Nats, env.nats),
      Secrets.layer(Redacted.make("0123456789abcdef0123456789abcdef")), Log.layer("test", "warn"))),
    Effect.orDie
  )

const readyz = (port: number, metricsToken?: string) =>
  Effect.promise(() => Probes.readyz(`http://127.0.0.1:${port}`, metricsToken))

/** Not ready for NATS, `reason` for the metrics token, and not a word of it without. */
const notReadyForNats = (port: number, what: string, reason: RegExp, timeoutMs: number) =>
  Effect.gen(function*() {
    yield* Harness.until(what, Effect.map(readyz(port, Harness.METRICS_TOKEN), (answer) => Probes.notReadyFor(answer, "nats", reason)), timeoutMs)
    expect(yield* readyz(port)).toEqual({ status: 503, body: { status: "not ready" } })
  })

describe("sink: NATS restart", () => {
  it.scopedLive.each(["stop", "kill"] as const)("resumes consuming after nats-server restarts (%s), without a restart of its own, and ends exact", (how) =>
    Effect.gen(function*() {
      const server = yield* privateNats
      const env = yield* Harness.env({ natsUrl: server.url })
      // Small batches, so the stream is still being written when the server goes.
      const port = yield* Effect.promise(() => Ports.freePort())
      const replica = yield* Harness.replica(env, { batchSize: 20, concurrency: 2, retryMaxMs: 1_000 }, {}, { httpPort: port })
      yield* Harness.publish(env, versions(1))
      yield* Harness.until("the first rows", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n > 0))
      yield* Harness.until("ready", Effect.map(readyz(port), (r) => r.status === 200))
      const stoppedAt = Date.now()
      yield* Effect.promise(() => server[how]())
      const atStop = yield* Harness.countOf(env, "stripe.customers")
      // Postgres is fine, but without NATS the sink takes nothing: not ready, and why.
      yield* notReadyForNats(port, "/readyz not ready while NATS is away", /NATS/, OUTAGE_MS)
      expect(yield* replica.readiness.get).toMatchObject({ ready: false, reasons: [{ component: "nats", reason: expect.stringMatching(/NATS/) }] })
      // The outage itself lasts a while, whatever else happens.
      yield* Effect.sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)))
      expect((yield* readyz(port)).status).toBe(503)
      yield* Effect.promise(() => server.restart())
      yield* Harness.until("/readyz ready again after the restart", Effect.map(readyz(port), (r) => r.status === 200), 30_000)

      yield* Harness.until("every row at version 1", Effect.map(rowsAt(env, 1), (n) => n === RECORDS), 60_000)
      expect(atStop).toBeLessThan(RECORDS)
      // And it keeps consuming what is published after the restart.
      yield* Harness.publish(env, versions(2))
      yield* Harness.until("every row at version 2", Effect.map(rowsAt(env, 2), (n) => n === RECORDS), 60_000)
      expect(yield* Harness.countOf(env, "stripe.customers")).toBe(RECORDS)
      yield* Harness.until("no pending acks", Effect.promise(() =>
        env.nats.jsm.consumers.info(env.ns.streams.records, "sink").then((i) => i.num_ack_pending === 0 && i.num_pending === 0)))
      expect(yield* Harness.deadLetters(env)).toEqual([])

      // The delete-mode watch outlived the restart: the sync turned hard, so a delete removes the row.
      yield* hardDeletes(env)
      let version = 2
      yield* Harness.until("a delete that removes its row", Effect.gen(function*() {
        yield* Harness.publish(env, [Harness.record({ upstreamId: "cus_0", updatedIdx: ++version, deleted: true })])
        return (yield* Harness.rows(env, "select 1 from stripe.customers where upstream_id = 'cus_0'")).length === 0
      }), 30_000)
      yield* Harness.publish(env, versions(version + 1).slice(1).map((r) => Harness.record({
        upstreamId: r.upstream_id, updatedIdx: r.updated_idx, deleted: true })))
      yield* Harness.until("every row deleted", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 0), 60_000)
      const tombstones = yield* Harness.rows<{ n: number }>(env, "select count(*)::int as n from tributary.tombstones")
      expect(tombstones[0]!.n).toBe(RECORDS)
      expect(yield* Harness.deadLetters(env)).toEqual([])

      // The same sink did it all: none of its parts stopped.
      expect(Option.isNone(yield* Fiber.poll(replica.sink))).toBe(true)
      expect(yield* replica.readiness.get).toEqual({ ready: true })
    }), 150_000)

  it.scopedLive("is not ready while its durable consumer cannot be fetched from (nats-server hangs), and ready again after", () =>
    Effect.gen(function*() {
      const server = yield* privateNats
      const env = yield* Harness.env({ natsUrl: server.url })
      const port = yield* Effect.promise(() => Ports.freePort())
      const replica = yield* Harness.replica(env, { batchSize: 20, retryMaxMs: 1_000 }, {}, { httpPort: port })
      yield* Harness.publish(env, versions(1).slice(0, 100))
      yield* Harness.until("the first rows", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 100))
      yield* Harness.until("ready", Effect.map(readyz(port), (r) => r.status === 200))

      // The connection stays open (nats.js sees no disconnect for minutes), but nothing answers.
      server.freeze()
      yield* notReadyForNats(port, "/readyz not ready while the consumer cannot be fetched from", /durable consumer/, 20_000)
        .pipe(Effect.ensuring(Effect.sync(() => server.thaw())))
      yield* Harness.until("/readyz ready again", Effect.map(readyz(port), (r) => r.status === 200), 30_000)

      // And it consumes again.
      yield* Harness.publish(env, versions(2))
      yield* Harness.until("every row at version 2", Effect.map(rowsAt(env, 2), (n) => n === RECORDS), 60_000)
      expect(Option.isNone(yield* Fiber.poll(replica.sink))).toBe(true)
    }), 120_000)
})

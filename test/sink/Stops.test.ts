/**
 * A part of the sink that stops (a writer that throws, the RECORDS reader whose durable
 * consumer was deleted) stops the whole sink with its cause, rather than leaving it alive
 * and idle: `/readyz` says which part stopped, the process exits non-zero so that it is
 * started again, nothing it held was acked, and the next sink writes every record exactly.
 */
import { Ports, Probes } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option } from "effect"
import * as Harness from "./Harness.js"
import * as SinkProcess from "./support/SinkProcess.js"

const RECORDS = 300
const BUG = "cus_bug"

const records = (updatedIdx: number) =>
  Array.from({ length: RECORDS }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx }))

/** Records of the stream, with the one the planted bug trips on in the middle. */
const withBug = () => [...records(1).slice(0, 150), Harness.record({ upstreamId: BUG, updatedIdx: 1 }), ...records(1).slice(150)]

const readyz = (port: number, metricsToken?: string) =>
  Effect.promise(() => Probes.readyz(`http://127.0.0.1:${port}`, metricsToken))

/** The sink's end, or a failure of the test if it does not come within the deadline. */
const ended = <E>(sink: Fiber.Fiber<never, E>, timeoutMs = 60_000) =>
  Fiber.await(sink).pipe(
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error(`the sink still runs after ${timeoutMs} ms`) }),
    Effect.orDie
  )

/** Everything written exactly once, nothing dead-lettered, nothing left on the consumer. */
const exact = (env: Harness.Env, rows: number) =>
  Effect.gen(function*() {
    yield* Harness.until(`${rows} rows`, Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === rows), 60_000)
    yield* Harness.until("no pending acks", Effect.promise(() =>
      env.nats.jsm.consumers.info(env.ns.streams.records, "sink").then((i) => i.num_ack_pending === 0 && i.num_pending === 0)))
    expect(yield* Harness.deadLetters(env)).toEqual([])
  })

describe("sink: a part that stops stops the sink", () => {
  it.scopedLive("a writer that throws stops the sink with the defect and /readyz says so; the next sink writes everything", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const port = yield* Effect.promise(() => Ports.freePort())
      const defective = yield* Harness.replica(env, { ackWaitMs: 1_000, batchSize: 50 }, {}, {
        httpPort: port,
        run: {
          beforeWrite: (batch) =>
            batch.some((record) => Buffer.from(record.json).includes(BUG))
              ? Effect.die(new TypeError("a bug in the writer"))
              : Effect.void
        }
      })
      yield* Harness.until("ready", Effect.map(readyz(port), (r) => r.status === 200))
      yield* Harness.publish(env, withBug())

      const exit = yield* ended(defective.sink)
      expect(Exit.isFailure(exit)).toBe(true)
      const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()
      expect(Option.getOrUndefined(defect)).toBeInstanceOf(TypeError)
      const state = yield* defective.readiness.get
      expect(state).toMatchObject({ ready: false, reasons: [{ component: "sink", reason: expect.stringMatching(/^writer \d stopped/) }] })
      expect(Probes.notReadyFor(yield* readyz(port, Harness.METRICS_TOKEN), "sink", /^writer \d stopped/)).toBe(true)
      expect(yield* readyz(port)).toEqual({ status: 503, body: { status: "not ready" } })

      // Nothing of the failed batch was acked: a sink started again (without the bug) writes it.
      yield* Harness.replica(env, { ackWaitMs: 1_000 })
      yield* exact(env, RECORDS + 1)
    }), 120_000)

  it.scopedLive("the process exits non-zero, naming the part and the defect; started again, it writes everything", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      yield* Harness.publish(env, withBug())
      const first = yield* SinkProcess.start(env, { main: SinkProcess.DEFECTIVE_MAIN, env: { DEFECT_MARKER: BUG } })
      yield* Harness.until("the defective sink to exit", Effect.sync(() => first.exitCode() !== undefined), 60_000)
      expect(first.exitCode()).toBe(1)
      expect(first.output()).toMatch(/writer \d stopped; the sink is exiting to be restarted/)
      expect(first.output()).toContain("TypeError: a bug in the writer (planted for cus_bug)")
      expect(first.output()).toContain("a batch failed unexpectedly; none of it is acked")

      const second = yield* SinkProcess.start(env)
      yield* exact(env, RECORDS + 1)
      expect(second.exitCode()).toBeUndefined()
      yield* Harness.until("ready", Effect.map(second.readyz, (status) => status === 200))
      // Stopped on purpose, no part counts as stopped: a clean exit.
      expect(yield* second.terminate).toBe(0)
      expect(second.output()).not.toContain("stopped; the sink is exiting")
    }), 120_000)

  it.scopedLive("the RECORDS reader stops when the durable consumer is deleted, and the sink with it; the next sink creates it again", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const first = yield* Harness.replica(env, { ackWaitMs: 1_000 })
      yield* Harness.publish(env, records(1))
      yield* Harness.until("the first records", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === RECORDS))

      yield* Effect.promise(() => env.nats.jsm.consumers.delete(env.ns.streams.records, "sink"))
      const exit = yield* ended(first.sink)
      expect(Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)).toBe(true)
      expect(yield* first.readiness.get)
        .toMatchObject({ ready: false, reasons: [{ component: "sink", reason: expect.stringMatching(/^the RECORDS reader stopped/) }] })

      // Written while no sink runs; the next one creates the consumer again and takes them too.
      yield* Harness.publish(env, records(2))
      yield* Harness.replica(env, { ackWaitMs: 1_000 })
      yield* Harness.until("every row at version 2", Effect.map(
        Harness.rows<{ n: number }>(env, "select count(*)::int as n from stripe.customers where updated_idx = 2"),
        (rows) => rows[0]!.n === RECORDS), 60_000)
      yield* exact(env, RECORDS)
    }), 150_000)
})

/**
 * A record close to the server's `max_payload` still reaches the dead-letter stream: the
 * headers the sink adds (the reason, which holds Postgres' DETAIL with the failing row,
 * the original subject, sequence, …) would push the full dead letter past the limit, the
 * publish would fail, and the record would come back forever. The sink keeps what fits: the
 * reason trimmed, then the body cut, with headers saying so and where the whole message is.
 * The nats-server is a private one with a small `max_payload`, so the records stay small.
 * One too small for even a dead letter cut as far as it can be stops the sink at start-up, saying so.
 */
import { DeadLetters, Errors, Headers, Record as CoreRecord } from "@tributary/core"
import { NatsServer } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Schema } from "effect"
import * as Harness from "./Harness.js"

const MAX_PAYLOAD = 16 * 1024
const GOOD = 50

const privateNats = Effect.acquireRelease(Effect.promise(() => NatsServer.startPrivate("sink-max-payload", { maxPayload: MAX_PAYLOAD })),
  (server) => Effect.promise(() => server.dispose()))

const encode = Schema.encodeSync(CoreRecord.Record)

/** The bytes of a header block on the wire: `NATS/1.0`, a line per header, a blank line. */
const headerBytes = (headers: ReadonlyArray<readonly [string, string]>) =>
  headers.reduce((sum, [name, value]) => sum + Buffer.byteLength(`\r\n${name}: ${value}`), "NATS/1.0".length + 4)

/** A record whose data has a `note` that makes its JSON (`json(record)`) exactly `bytes` long. */
const padded = (
  upstreamId: string,
  bytes: number,
  email: string,
  json: (record: CoreRecord.Record) => string = (record) => JSON.stringify(encode(record))
) => {
  const make = (note: string) => Harness.record({ upstreamId, updatedIdx: 1, data: { id: upstreamId, email, note } })
  const record = make("n".repeat(bytes - Buffer.byteLength(json(make("")))))
  const body = json(record)
  expect(Buffer.byteLength(body)).toBe(bytes)
  return { record, json: body }
}

/** The largest body that, with the headers the sync puts on it, RECORDS still takes. */
const largest = (record: CoreRecord.Record) => MAX_PAYLOAD - headerBytes(Headers.identityOf(record))

describe("sink: dead letters near the server's max_payload", () => {
  it.scopedLive("are trimmed to fit, say what was cut and where the whole record is, and every other record lands", () =>
    Effect.gen(function*() {
      const server = yield* privateNats
      const env = yield* Harness.env({ natsUrl: server.url })
      yield* Harness.publish(env, [Harness.record({ upstreamId: "cus_first", updatedIdx: 1 })])
      const replica = yield* Harness.replica(env, { maxDeliver: 2, retryMaxMs: 200, batchSize: 20 })
      yield* Harness.until("the table", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 1))
      yield* Harness.rows(env,
        "alter table stripe.customers add constraint no_poison check (email is distinct from 'poison@example.com')")

      // Room for the body, but not for the whole reason, which repeats the long upstream_id of a record without an id.
      const roomy = padded("cus_long_reason", MAX_PAYLOAD - 2_500, "roomy@example.com", (record) =>
        JSON.stringify({ ...encode(record), id: undefined, upstream_id: `cus_${"x".repeat(3_000)}` }))
      // The largest record RECORDS takes: even a short reason leaves no room for all of it.
      const fullRecord = Harness.record({ upstreamId: "cus_full", updatedIdx: 1 })
      const full = padded("cus_full", largest(fullRecord) - 1, "poison@example.com")
      const good = Array.from({ length: GOOD }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx: 1 }))
      const bodies = new Map([[roomy.record, roomy.json], [full.record, full.json]])
      yield* Harness.publish(env, [...good.slice(0, GOOD / 2), roomy.record, full.record, ...good.slice(GOOD / 2)],
        (r) => bodies.get(r) ?? JSON.stringify(encode(r)))
      // A subject that names no collection is dead-lettered at once, by another path.
      const unroutable = `${env.ns.root}.records.${Harness.SYNC}.Stripe_Customer.cus_unroutable`
      const unroutableBody = "u".repeat(MAX_PAYLOAD - headerBytes([]) - 1)
      yield* Effect.promise(() => env.nats.js.publish(unroutable, unroutableBody))

      yield* Effect.exit(Harness.until("every dead letter",
        Effect.map(Harness.deadLetters(env), (found) => found.length >= 3), 30_000))
      const letters = yield* Harness.deadLetters(env)
      const letterOf = (subject: string) => letters.find((l) => l.headers?.get(DeadLetters.ORIGINAL_SUBJECT) === subject)
      const subjectOf = (upstreamId: string) => `${env.ns.root}.records.${Harness.SYNC}.stripe_customer.${upstreamId}`
      expect(letters.map((l) => l.headers?.get(DeadLetters.ORIGINAL_SUBJECT)).sort())
        .toEqual([subjectOf("cus_full"), subjectOf("cus_long_reason"), unroutable].sort())

      // The reason trimmed, the body whole: it can be replayed from the dead letter.
      const trimmed = letterOf(subjectOf("cus_long_reason"))!
      expect(trimmed.body).toBe(roomy.json)
      expect(trimmed.headers?.has(DeadLetters.BODY_TRUNCATED)).toBe(false)
      expect(trimmed.headers?.get(DeadLetters.CODE)).toBe("22P02")
      expect(trimmed.headers?.get(DeadLetters.REASON))
        .toMatch(/^Postgres upsert into stripe\.customers failed \(22P02\): .*not a record: it has no id; subject says record cus_long_reason, body says cus_xxx+ … \(trimmed to fit the server's max_payload\)$/)

      // The body cut, with its size and where the whole message is, while RECORDS keeps it.
      for (const [subject, body] of [[subjectOf("cus_full"), full.json], [unroutable, unroutableBody]] as const) {
        const cut = letterOf(subject)!
        expect(Buffer.byteLength(body) > cut.data.length, subject).toBe(true)
        expect(body.startsWith(cut.body), subject).toBe(true)
        expect(cut.headers?.get(DeadLetters.ORIGINAL_SIZE), subject).toBe(String(Buffer.byteLength(body)))
        expect(cut.headers?.get(DeadLetters.BODY_TRUNCATED), subject).toMatch(/^kept the first \d+ of \d+ bytes/)
        const whole = yield* Effect.promise(() => env.nats.jsm.streams.getMessage(env.ns.streams.records,
          { seq: Number(cut.headers?.get(DeadLetters.ORIGINAL_SEQUENCE)) }))
        expect(whole?.subject, subject).toBe(subject)
        expect(whole?.string(), subject).toBe(body)
      }
      // The original headers are kept where they fit.
      expect(letterOf(subjectOf("cus_full"))!.headers?.get(Headers.UPSTREAM_ID)).toBe("cus_full")

      yield* Harness.until("every good record", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === GOOD + 1))
      yield* Harness.until("no pending acks", Effect.promise(() =>
        env.nats.jsm.consumers.info(env.ns.streams.records, "sink").then((i) => i.num_ack_pending === 0 && i.num_pending === 0)))
      expect(Option.isNone(yield* Fiber.poll(replica.sink))).toBe(true)
      expect(yield* replica.readiness.get).toEqual({ ready: true })
    }), 90_000)

  it.scopedLive("refuses to start on a server whose max_payload leaves no room for a dead letter, naming the limit", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.promise(() => NatsServer.startPrivate("sink-tiny-payload", { maxPayload: 1024 })),
        (server) => Effect.promise(() => server.dispose()))
      const env = yield* Harness.env({ natsUrl: server.url })
      const replica = yield* Harness.replica(env)
      const exit = yield* Fiber.await(replica.sink).pipe(Effect.timeoutFail({ duration: 30_000, onTimeout: () => new Error("the sink still runs") }), Effect.orDie)
      const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      expect(Option.getOrUndefined(failure)).toBeInstanceOf(Errors.MaxPayloadTooSmall)
      expect(Option.getOrThrow(failure).message).toMatch(/^the NATS server's max_payload is 1024 bytes, but the sink, .* needs at least \d+: raise max_payload/)
    }), 60_000)
})

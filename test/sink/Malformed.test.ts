/**
 * Messages on RECORDS the sink can never write (a body that is not a record, a subject
 * that names no valid sync or collection, a collection whose table cannot be made, a
 * value past Postgres' limits, a header block that does not parse) each end in the
 * dead-letter stream with a clear reason, while every other record lands and the same
 * sink keeps running: none of them may crash it (which would restart it on the same
 * message forever) or hold its batch back (which would stall everything behind it).
 */
import { randomBytes } from "node:crypto"
import { DeadLetters, Ids, Record as CoreRecord } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Schema } from "effect"
import { TablesConfig } from "@tributary/tables"
import * as Harness from "./Harness.js"
import * as RawPublish from "./support/RawPublish.js"

const GOOD = 300
const MAX_DELIVER = 3

const encode = Schema.encodeSync(CoreRecord.Record)
const json = (record: CoreRecord.Record) => JSON.stringify(encode(record))

interface Bad {
  /** What is wrong with it, for the test's messages. */
  readonly what: string
  readonly subject: string
  readonly body: string | Uint8Array
  /** A raw header block, published over a plain socket. */
  readonly rawHeaders?: string
  readonly reason: RegExp
  readonly code?: string
}

/** A header block nats.js cannot parse: a header name with a space in it. */
const BAD_HEADER_BLOCK = "NATS/1.0\r\nBad Header: x\r\n\r\n"

describe("sink: messages it can never write", () => {
  it.scopedLive("each goes to the dead-letter stream with its reason; every other record lands and the sink keeps running", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const root = env.ns.root
      const customers = `${root}.records.${Harness.SYNC}.stripe_customer`
      const record = (upstreamId: string, options: Partial<Harness.RecordOptions> = {}) =>
        Harness.record({ upstreamId, updatedIdx: 1, ...options })
      const customer = (upstreamId: string) => json(record(upstreamId))

      const bad: ReadonlyArray<Bad> = [
        { what: "a body that is not JSON", subject: `${customers}.bad_text`, body: "this is not json", reason: /json/i, code: "22P02" },
        { what: "an empty body", subject: `${customers}.bad_empty`, body: "", reason: /json/i, code: "22P02" },
        { what: "a body that is not UTF-8", subject: `${customers}.bad_bytes`, body: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]),
          reason: /UTF8/, code: "22021" },
        { what: "a JSON array", subject: `${customers}.bad_array`, body: "[1,2,3]", reason: /not a record/ },
        { what: "a JSON number", subject: `${customers}.bad_number`, body: "42", reason: /not a record/ },
        { what: "a JSON object that is not a record", subject: `${customers}.bad_object`, body: `{"hello":"world"}`,
          reason: /not a record/ },
        { what: "a record whose id is not a UUID", subject: `${customers}.bad_uuid`,
          body: customer("bad_uuid").replace(/"id":"[^"]+"/, `"id":"not-a-uuid"`), reason: /uuid/, code: "22P02" },
        { what: "a record whose updated_idx is not a number", subject: `${customers}.bad_idx`,
          body: customer("bad_idx").replace(/"updated_idx":1/, `"updated_idx":"one"`), reason: /bigint/, code: "22P02" },
        { what: "a record with a NUL character", subject: `${customers}.bad_nul`,
          body: json(record("bad_nul", { data: { id: "bad_nul", email: "a\u0000b" } })), reason: /unsupported Unicode escape sequence; DETAIL: \\u0000 cannot be converted to text/, code: "22P05" },
        { what: "JSON nested deeper than Postgres parses", subject: `${customers}.bad_deep`,
          body: json(record("bad_deep")).replace(/"data":\{/, `"data":{"deep":${"[".repeat(100_000)}${"]".repeat(100_000)},`),
          reason: /stack depth/, code: "54001" },
        { what: "an indexed value larger than an index entry", subject: `${root}.records.${Harness.SYNC}.stripe_subscription.bad_big`,
          body: json(record("bad_big", { collection: "stripe:subscription",
            data: { id: "bad_big", customer: randomBytes(30_000).toString("base64") } })),
          reason: /index row/, code: "54000" },
        { what: "a collection token that is not a collection", subject: `${root}.records.${Harness.SYNC}.Stripe_Customer.bad_c1`,
          body: customer("bad_c1"), reason: /not a Tributary subject/ },
        { what: "a collection token without an object", subject: `${root}.records.${Harness.SYNC}.stripe.bad_c2`,
          body: customer("bad_c2"), reason: /not a Tributary subject/ },
        { what: "a sync token that is not a sync id", subject: `${root}.records.${"s".repeat(65)}.stripe_customer.bad_s`,
          body: customer("bad_s"), reason: /not a Tributary subject/ },
        { what: "an empty record token", subject: `${root}.records.${Harness.SYNC}.stripe_refund.~`,
          body: json(record("x", { collection: "stripe:refund" })), reason: /not a Tributary subject/ },
        { what: "a subject with too few tokens", subject: `${customers}`, body: customer("bad_short"),
          reason: /not a Tributary subject/ },
        { what: "a collection whose table clashes with Tributary's own", subject: `${root}.records.${Harness.SYNC}.tributary_migration.bad_t`,
          body: json(record("bad_t", { collection: "tributary:migration" })), reason: /tributary\.migrations/ },
        { what: "a hard-delete collection's JSON object that is not a record", subject: `${root}.records.${Harness.SYNC}.stripe_product.bad_hard`,
          body: `{"hello":"world"}`, reason: /not a record/ },
        { what: "a record whose body names another collection than its subject", subject: `${customers}.sub_elsewhere`,
          body: json(record("sub_elsewhere", { collection: "stripe:subscription" })),
          reason: /subject says collection stripe:customer, body says stripe:subscription/, code: "22P02" },
        { what: "a record whose body names another sync than its subject", subject: `${customers}.cus_elsewhere`,
          body: json(record("cus_elsewhere", { sync: Ids.SyncId.make("sync_other") })),
          reason: /subject says sync sync_sink, body says sync_other/, code: "22P02" },
        // Of the good prod_1 below (another subject: RECORDS keeps one message per subject), whose
        // row it would delete, or whose insert its tombstone would keep out.
        { what: "a hard-delete collection's delete naming another sync", subject: `${root}.records.${Harness.SYNC}.stripe_product.prod_forged`,
          body: JSON.stringify({ ...encode(record("prod_1", { collection: "stripe:product", deleted: true, updatedIdx: 9 })),
            sync: { id: "sync_other", external_id: null, metadata: {} } }),
          reason: /subject says sync sync_sink, body says sync_other/, code: "22P02" },
        { what: "a record whose body is another record than its subject's", subject: `${customers}.cus_forged`,
          body: customer("cus_0"), reason: /subject says record cus_forged, body says cus_0 \(upstream_id cus_0\)/, code: "22P02" },
        { what: "a hard-delete collection's delete of another record than its subject's",
          subject: `${root}.records.${Harness.SYNC}.stripe_product.prod_forged_record`,
          body: json(record("prod_1", { collection: "stripe:product", deleted: true, updatedIdx: 9 })),
          reason: /subject says record prod_forged_record, body says prod_1/, code: "22P02" },
        { what: "a body that is not JSON, with a header block that does not parse", subject: `${customers}.bad_headers`,
          body: "not json either", rawHeaders: BAD_HEADER_BLOCK, reason: /json/i, code: "22P02" }
      ]

      const replica = yield* Harness.replica(env, { maxDeliver: MAX_DELIVER, retryMaxMs: 200, batchSize: 50 },
        Schema.decodeSync(TablesConfig.TablesConfig)({ "stripe:product": { delete_mode: "hard" } }))
      const good = Array.from({ length: GOOD }, (_, i) => record(`cus_${i}`))
      yield* Harness.publish(env, good.slice(0, GOOD / 2))
      for (const message of bad) {
        if (message.rawHeaders !== undefined) {
          yield* RawPublish.publish(env.natsUrl, message.subject, message.rawHeaders, message.body)
        } else {
          yield* Effect.promise(() => env.nats.js.publish(message.subject, message.body))
        }
      }
      // A good record with headers that do not parse lands like any other: the sink does not read them.
      const oddHeaders = record("cus_odd_headers")
      yield* RawPublish.publish(env.natsUrl, `${customers}.cus_odd_headers`, BAD_HEADER_BLOCK, json(oddHeaders))
      // A collection the catalog does not know, of another source, gets a table at its first record.
      const widget = record("wid_1", { collection: "othersource:widget" })
      yield* Harness.publish(env, [widget])
      // An upstream id that is not its own record token lands: the body is compared with the token decoded.
      yield* Harness.publish(env, [record("cus.with dots")])
      yield* Harness.publish(env, good.slice(GOOD / 2))
      // A record of the hard-delete collection still lands.
      const product = record("prod_1", { collection: "stripe:product", data: { id: "prod_1", name: "P" } })
      yield* Harness.publish(env, [product])

      // On a timeout the test still names which messages never arrived.
      yield* Effect.exit(Harness.until("every dead letter",
        Effect.map(Harness.deadLetters(env), (found) => found.length >= bad.length), 60_000))
      const letters = yield* Harness.deadLetters(env)
      const letterOf = (message: Bad) =>
        letters.filter((letter) => letter.headers?.get(DeadLetters.ORIGINAL_SUBJECT) === message.subject)
      expect(bad.filter((message) => letterOf(message).length !== 1).map((message) => message.what)).toEqual([])
      for (const message of bad) {
        const letter = letterOf(message)[0]!
        expect(letter.headers?.get(DeadLetters.REASON), message.what).toMatch(message.reason)
        if (message.code !== undefined) expect(letter.headers?.get(DeadLetters.CODE), message.what).toBe(message.code)
        expect(Buffer.from(letter.data).equals(Buffer.from(message.body)), `${message.what}: the body kept`).toBe(true)
      }
      expect(letters.length).toBe(bad.length)
      const unreadable = letters.find((l) => l.headers?.get(DeadLetters.ORIGINAL_SUBJECT) === `${customers}.bad_headers`)!
      expect(unreadable.headers?.get(DeadLetters.ORIGINAL_HEADERS_INVALID)).toMatch(/header/)

      yield* Harness.until("every good record", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === GOOD + 2))
      expect(yield* Harness.countOf(env, "othersource.widgets")).toBe(1)
      expect(yield* Harness.countOf(env, "stripe.products")).toBe(1)
      yield* Harness.until("no pending acks", Effect.promise(() =>
        env.nats.jsm.consumers.info(env.ns.streams.records, "sink").then((i) => i.num_ack_pending === 0 && i.num_pending === 0)))
      // The same sink did it all, and is ready.
      expect(Option.isNone(yield* Fiber.poll(replica.sink))).toBe(true)
      expect(yield* replica.readiness.get).toEqual({ ready: true })
    }), 120_000)
})

/** Two replicas share the durable consumer: each writes part of the stream, nothing is lost or written twice. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Harness from "./Harness.js"

const RECORDS = 20_000

describe("sink: replicas", () => {
  it.scopedLive("share the load with no lost or doubled effect", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const replicas = [
        yield* Harness.replica(env, { batchSize: 250 }),
        yield* Harness.replica(env, { batchSize: 250 })
      ]
      const records = Array.from({ length: RECORDS }, (_, i) =>
        Harness.record({ upstreamId: `cus_${i}`, updatedIdx: 1 + (i % 7) }))
      for (let i = 0; i < records.length; i += 5_000) yield* Harness.publish(env, records.slice(i, i + 5_000))
      const written = Effect.map(Effect.all(replicas.map(Harness.written)), (counts) => counts.reduce((a, b) => a + b, 0))
      yield* Harness.until("every record written", Effect.map(written, (n) => n >= RECORDS), 90_000)
      const counts = yield* Effect.all(replicas.map(Harness.written))
      // Each message was committed by exactly one replica: no redelivery, no double write.
      expect(counts[0]! + counts[1]!).toBe(RECORDS)
      expect(counts[0]).toBeGreaterThan(0)
      expect(counts[1]).toBeGreaterThan(0)
      const rows = yield* Harness.rows<{ n: number; exact: number }>(env,
        `select count(*)::int as n, count(*) filter (where updated_idx = 1 + (substr(upstream_id, 5)::int % 7))::int as exact
           from stripe.customers`)
      expect(rows).toEqual([{ n: RECORDS, exact: RECORDS }])
    }), 120_000)
})

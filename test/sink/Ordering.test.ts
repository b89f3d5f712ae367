/**
 * No regression: 1,000 versions of 100 records, published in shuffled order, end with
 * every row at its highest `updated_idx`. RECORDS keeps only the latest message per
 * subject, so the guard is also tested without it in packages/tables (Upsert.test.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Record } from "@tributary/core"
import * as Harness from "./Harness.js"

const RECORDS = 100
const VERSIONS = 1_000

const shuffled = (seed: number): Array<Record.Record> => {
  const all = Array.from({ length: RECORDS }, (_, r) =>
    Array.from({ length: VERSIONS }, (_, v) => Harness.record({ upstreamId: `cus_${r}`, updatedIdx: v + 1 }))).flat()
  let state = seed
  for (let i = all.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    const j = state % (i + 1)
    ;[all[i], all[j]] = [all[j]!, all[i]!]
  }
  return all
}

const atHighest = (env: Harness.Env) =>
  Effect.map(
    Harness.rows<{ n: number }>(env, `select count(*)::int as n from stripe.customers
      where updated_idx = ${VERSIONS} and (data->>'version')::int = ${VERSIONS}`),
    (rows) => rows[0]!.n === RECORDS
  )

describe("sink: no regression", () => {
  it.scopedLive("the versions a sync publishes, arriving shuffled, end at the highest", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      yield* Harness.replica(env, { batchSize: 50 })
      // The sync's own guard: a version older than the last one published for its record is dropped.
      const last = new Map<string, number>()
      const published = shuffled(7).filter((r) => {
        if ((last.get(r.upstream_id) ?? 0) > r.updated_idx) return false
        last.set(r.upstream_id, r.updated_idx)
        return true
      })
      for (let i = 0; i < published.length; i += 50) yield* Harness.publish(env, published.slice(i, i + 50))
      yield* Harness.until("every row at its highest version", atHighest(env))
    }))

  it.scopedLive("out-of-order versions delivered to two replicas at once never move a row back", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      // Small batches and several writers per replica: many transactions overlap.
      yield* Harness.replica(env, { batchSize: 200, concurrency: 3 })
      yield* Harness.replica(env, { batchSize: 200, concurrency: 3 })
      const all = shuffled(11)
      for (let i = 0; i < all.length; i += 5_000) yield* Harness.publish(env, all.slice(i, i + 5_000))
      // The last message of each subject wins in RECORDS: publish the highest last, as a re-backfill would.
      yield* Harness.publish(env, all.filter((r) => r.updated_idx === VERSIONS))
      yield* Harness.until("every row at its highest version", atHighest(env), 60_000)
      const rows = yield* Harness.rows<{ n: number }>(env, "select count(*)::int as n from stripe.customers")
      expect(rows[0]!.n).toBe(RECORDS)
    }), 120_000)
})

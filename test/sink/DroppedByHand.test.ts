/**
 * Someone drops what the sink made (`alter table stripe.customers drop column email`,
 * `drop table …`) while records keep coming. The recorded migration must not stand for a
 * column or table that is gone: the sink puts it back, refilled from `data`, and every
 * record lands.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Harness from "./Harness.js"

const CUSTOMERS = 400

const customer = (i: number, version: number) =>
  Harness.record({
    upstreamId: `cus_drop_${i}`,
    updatedIdx: version,
    data: { id: `cus_drop_${i}`, email: `c${i}.v${version}@example.com`, name: `Customer ${i}` }
  })

const subscription = (i: number, version: number) =>
  Harness.record({
    collection: "stripe:subscription",
    upstreamId: `sub_drop_${i}`,
    updatedIdx: version,
    data: { id: `sub_drop_${i}`, customer: `cus_drop_${i}`, status: version === 1 ? "active" : "canceled" }
  })

const sql = (env: Harness.Env, text: string) => Effect.promise(() => env.pool.query(text))

/** Rows at their expected version, with the typed column as `data` says. */
const exactRows = (env: Harness.Env, table: string, column: string, versionOf: string) =>
  Harness.rows<{ n: number; exact: number }>(env,
    `select count(*)::int as n,
            count(*) filter (where updated_idx = ${versionOf} and ${column} is not distinct from data->>'${column}'
                               and ${column} is not null)::int as exact
       from ${table}`)

const columnExists = (env: Harness.Env, schema: string, table: string, column: string) =>
  Effect.map(
    Harness.rows<{ n: number }>(env,
      `select count(*)::int as n from information_schema.columns
        where table_schema = $1 and table_name = $2 and column_name = $3`, [schema, table, column]),
    (rows) => rows[0]!.n === 1)

describe("sink: what is dropped by hand comes back", () => {
  it.scopedLive("a typed column dropped mid-stream is added again, filled from data, with no record lost", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      // Two replicas: both trip over the missing column, and one migration must serve both.
      const replicas = [
        yield* Harness.replica(env, { batchSize: 50 }),
        yield* Harness.replica(env, { batchSize: 50 })
      ]
      const firstHalf = Array.from({ length: CUSTOMERS / 2 }, (_, i) => i)
      yield* Harness.publish(env, firstHalf.flatMap((i) => [customer(i, 1), subscription(i, 1)]))
      yield* Harness.until("the first records written",
        Effect.map(Effect.all([Harness.countOf(env, "stripe.customers"), Harness.countOf(env, "stripe.subscriptions")]),
          ([c, s]) => c === CUSTOMERS / 2 && s === CUSTOMERS / 2))

      yield* sql(env, "alter table stripe.customers drop column email")
      // A foreign id: its index goes with it, and must come back too.
      yield* sql(env, "alter table stripe.subscriptions drop column customer")

      // New records, and newer versions of the ones written before the drop.
      const all = Array.from({ length: CUSTOMERS }, (_, i) => i)
      const secondHalf = all.slice(CUSTOMERS / 2)
      yield* Harness.publish(env, secondHalf.flatMap((i) => [customer(i, 1), subscription(i, 1)]))
      yield* Harness.publish(env, firstHalf.flatMap((i) => [customer(i, 2), subscription(i, 2)]))

      const customersVersion = `case when substr(upstream_id, 10)::int < ${CUSTOMERS / 2} then 2 else 1 end`
      yield* Harness.until("every record written, with its typed columns",
        Effect.map(
          Effect.all([
            exactRows(env, "stripe.customers", "email", customersVersion),
            exactRows(env, "stripe.subscriptions", "customer", customersVersion)
          ]),
          ([c, s]) => c[0]!.exact === CUSTOMERS && s[0]!.exact === CUSTOMERS
        ).pipe(Effect.orElseSucceed(() => false)),
        60_000)

      expect(yield* exactRows(env, "stripe.customers", "email", customersVersion)).toEqual([{ n: CUSTOMERS, exact: CUSTOMERS }])
      expect(yield* exactRows(env, "stripe.subscriptions", "customer", customersVersion))
        .toEqual([{ n: CUSTOMERS, exact: CUSTOMERS }])
      expect(yield* columnExists(env, "stripe", "customers", "email")).toBe(true)
      const indexes = yield* Harness.rows<{ name: string }>(env,
        "select indexname as name from pg_indexes where schemaname = 'stripe' and tablename = 'subscriptions'")
      expect(indexes.map((r) => r.name)).toContain("subscriptions_customer_idx")
      expect(yield* Harness.deadLetters(env)).toEqual([])
      // Every message committed once: none dead-lettered, none left behind or written twice.
      const written = Effect.map(Effect.all(replicas.map(Harness.written)), ([a, b]) => a! + b!)
      yield* Harness.until("every message acked", Effect.map(written, (n) => n >= CUSTOMERS * 3))
      expect(yield* written).toBe(CUSTOMERS * 3)
      for (const replica of replicas) {
        yield* Harness.until("the replica ready again", Effect.map(replica.readiness.get, (state) => state.ready))
      }
      // The repair happens in the batch that found the column gone: no batch failed, so no
      // back-off, no warning and no moment of not being ready.
      expect(yield* Effect.all(replicas.map(Harness.failedBatches))).toEqual([0, 0])
    }), 120_000)

  it.scopedLive("a table dropped mid-stream is created again, with its typed columns and indexes", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const replica = yield* Harness.replica(env, { batchSize: 50 })
      yield* Harness.publish(env, [customer(0, 1)])
      yield* Harness.until("the first record written",
        Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 1))

      yield* sql(env, "drop table stripe.customers")
      yield* Harness.publish(env, Array.from({ length: 20 }, (_, i) => customer(i + 1, 1)))

      yield* Harness.until("the records after the drop written",
        Effect.map(exactRows(env, "stripe.customers", "email", "1"), (rows) => rows[0]!.exact === 20)
          .pipe(Effect.orElseSucceed(() => false)),
        60_000)
      expect(yield* columnExists(env, "stripe", "customers", "email")).toBe(true)
      const indexes = yield* Harness.rows<{ name: string }>(env,
        "select indexname as name from pg_indexes where schemaname = 'stripe' and tablename = 'customers'")
      expect(indexes.map((r) => r.name).sort()).toEqual([
        "customers_pkey", "customers_sync_external_id_idx", "customers_sync_id_idx", "customers_upstream_id_idx"
      ])
      expect(yield* Harness.deadLetters(env)).toEqual([])
      expect(yield* Harness.failedBatches(replica)).toBe(0)
    }), 120_000)
})

import { Collection, Ids, Record as CoreRecord } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Errors, Staging, Tables } from "../src/index.js"
import { freshPool, inTransaction } from "./Database.js"
import * as Records from "./Records.js"

const soft = { syncDeleteMode: () => "soft" as const }
const customers = Collection.CollectionId.make("stripe:customer")
const encode = Schema.encodeSync(CoreRecord.Record)

describe("versioned upsert", () => {
  for (const strategy of Staging.STRATEGIES) {
    it.scoped(`never makes a row older, whatever the order of batches (${strategy})`, () =>
      Effect.gen(function*() {
        const pool = yield* freshPool
        const tables = Tables.make(pool, {}, { strategy })
        yield* tables.ensure([customers])
        // The full 1,000 versions of 100 records for the default strategy and `json`; fewer for the others.
        const versions = strategy === Tables.DEFAULT_STRATEGY || strategy === "json" ? 1_000 : 100
        const all = Array.from({ length: 100 }, (_, r) =>
          Array.from({ length: versions }, (_, v) => Records.make({ upstreamId: `cus_${r}`, updatedIdx: v + 1 }))).flat()
        const shuffled = Records.shuffle(all, 42)
        const batches: Array<typeof shuffled> = []
        for (let i = 0; i < shuffled.length; i += 2_500) batches.push(shuffled.slice(i, i + 2_500))
        // Three writers at once, as replicas would be: the guard must hold across transactions.
        yield* Effect.forEach(batches, (batch) => inTransaction(pool, (client) => tables.apply(client, batch, soft)),
          { concurrency: 3 })
        const rows = yield* Effect.promise(() =>
          pool.query<{ updated_idx: string; version: number; email: string }>(
            "select updated_idx, (data->>'version')::int as version, email from stripe.customers"))
        expect(rows.rowCount).toBe(100)
        for (const row of rows.rows) {
          expect(Number(row.updated_idx)).toBe(versions)
          expect(row.version).toBe(versions)
          expect(row.email).toMatch(/@example\.com$/)
        }
      }), 120_000)
  }

  it.scoped("keeps the newest version when a batch holds several versions of one record", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {})
      const batch = [3, 9, 1, 7].map((v) => Records.make({ upstreamId: "cus_1", updatedIdx: v }))
      yield* inTransaction(pool, (client) => tables.apply(client, batch, soft))
      const row = yield* Effect.promise(() => pool.query("select updated_idx from stripe.customers"))
      expect(row.rows).toEqual([{ updated_idx: "9" }])
    }))

  it.scoped("rewrites a row on a repeated delivery of the same version, and skips an older one", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {})
      const write = (v: number, name: string) =>
        inTransaction(pool, (client) =>
          tables.apply(client, [Records.make({ upstreamId: "cus_1", updatedIdx: v, data: { id: "cus_1", name } })], soft))
      expect((yield* write(5, "five")).changed).toBe(1)
      expect((yield* write(5, "five again")).changed).toBe(1)
      expect((yield* write(4, "four")).changed).toBe(0)
      const row = yield* Effect.promise(() => pool.query("select name, updated_idx from stripe.customers"))
      expect(row.rows).toEqual([{ name: "five again", updated_idx: "5" }])
    }))

  for (const strategy of Staging.STRATEGIES) {
    it.scoped(`fills the standard and typed columns from the record (${strategy})`, () =>
      Effect.gen(function*() {
        const pool = yield* freshPool
        const tables = Tables.make(pool, {}, { strategy })
        const sync = Ids.SyncId.make("sync_cols")
        const record = Records.make({
          collection: "stripe:subscription",
          upstreamId: "sub_1",
          updatedIdx: 12,
          sync,
          data: { id: "sub_1", customer: { id: "cus_9", object: "customer" }, status: "active", currency: "eur",
            latest_invoice: "in_1", cancel_at_period_end: true, start_date: 1_700_000_000 }
        })
        yield* inTransaction(pool, (client) => tables.apply(client, [record], soft))
        const row = yield* Effect.promise(() => pool.query(
          `select id, upstream_id, deleted, updated_idx, sync_id, sync_external_id, sync_metadata,
                  upstream_created_at, customer, status, currency, latest_invoice, cancel_at_period_end,
                  start_date, data->>'status' as data_status
             from stripe.subscriptions`))
        expect(row.rows[0]).toEqual({
          id: record.id,
          upstream_id: "sub_1",
          deleted: false,
          updated_idx: "12",
          sync_id: "sync_cols",
          sync_external_id: "tenant_1",
          sync_metadata: { plan: "gold" },
          upstream_created_at: new Date("2024-01-01T00:00:00.000Z"),
          customer: "cus_9",
          status: "active",
          currency: "eur",
          latest_invoice: "in_1",
          cancel_at_period_end: true,
          start_date: new Date(1_700_000_000_000),
          data_status: "active"
        })
      }))
  }

  for (const strategy of Staging.STRATEGIES) {
    it.scoped(`refuses a body that is not a JSON record as the record's fault (${strategy})`, () =>
      Effect.gen(function*() {
        const pool = yield* freshPool
        const tables = Tables.make(pool, {}, { strategy })
        yield* tables.ensure([customers])
        const sync = Ids.SyncId.make("sync_bad")
        for (const json of ["{not json", "[1, 2]", "\"a string\""]) {
          const applied = yield* inTransaction(pool, (client) =>
            tables.applyEncoded(client, [{ sync, collection: customers, upstreamId: "cus_1", json }], soft)).pipe(Effect.flip)
          expect(applied._tag).toBe("DatabaseError")
          if (applied._tag === "DatabaseError") expect(Errors.isRecordError(applied)).toBe(true)
        }
      }))
  }

  for (const strategy of Staging.STRATEGIES) {
    it.scoped(`refuses a body that names another sync, collection or record than it was published under (${strategy})`, () =>
      Effect.gen(function*() {
        const pool = yield* freshPool
        const tables = Tables.make(pool, {}, { strategy })
        const subscriptions = Collection.CollectionId.make("stripe:subscription")
        yield* tables.ensure([customers, subscriptions])
        const other = Ids.SyncId.make("sync_other")
        const json = (record: ReturnType<typeof Records.make>) => JSON.stringify(encode(record))
        const cus2 = Records.make({ upstreamId: "cus_2", updatedIdx: 1 })
        const wrong = [
          { what: "another sync", sync: Records.SYNC, collection: customers, upstreamId: "cus_other",
            json: json(Records.make({ upstreamId: "cus_other", updatedIdx: 1, sync: other })),
            reason: `subject says sync ${Records.SYNC}, body says ${other}` },
          { what: "another collection", sync: Records.SYNC, collection: customers, upstreamId: "sub_1",
            json: json(Records.make({ upstreamId: "sub_1", updatedIdx: 1, collection: "stripe:subscription" })),
            reason: "subject says collection stripe:customer, body says stripe:subscription" },
          { what: "no collection", sync: Records.SYNC, collection: customers, upstreamId: "cus_none",
            json: JSON.stringify({ ...encode(Records.make({ upstreamId: "cus_none", updatedIdx: 1 })), collection_id: undefined }),
            reason: "not a record: it has no collection_id" },
          { what: "another record", sync: Records.SYNC, collection: customers, upstreamId: "cus_1", json: json(cus2),
            reason: "subject says record cus_1, body says cus_2 (upstream_id cus_2)" },
          { what: "another record's id", sync: Records.SYNC, collection: customers, upstreamId: "cus_2",
            json: JSON.stringify({ ...encode(cus2), id: Records.make({ upstreamId: "cus_1", updatedIdx: 1 }).id }),
            reason: `subject says record cus_2 (id ${cus2.id}), body says id ${
              Records.make({ upstreamId: "cus_1", updatedIdx: 1 }).id} (upstream_id cus_2)` },
          { what: "several things wrong at once", sync: Records.SYNC, collection: customers, upstreamId: "cus_many",
            json: JSON.stringify({ ...encode(Records.make({ upstreamId: "cus_many", updatedIdx: 1, sync: other })),
              updated_idx: undefined, data: undefined }),
            reason: `not a record: it has no updated_idx, data; subject says sync ${Records.SYNC}, body says ${other} (upstream_id cus_many)` },
          { what: "an encoded record token", sync: Records.SYNC, collection: customers, upstreamId: "cus.1",
            json: json(Records.make({ upstreamId: "cus~002E1", updatedIdx: 1 })),
            reason: "subject says record cus.1, body says cus~002E1" }
        ]
        for (const mode of ["soft", "hard"] as const) {
          for (const deleted of [false, true]) {
            for (const record of wrong) {
              const body = deleted ? record.json.replace(`"deleted":false`, `"deleted":true`) : record.json
              const applied = yield* inTransaction(pool, (client) =>
                tables.applyEncoded(client, [{ sync: record.sync, collection: record.collection, upstreamId: record.upstreamId, json: body }],
                  { syncDeleteMode: () => mode })).pipe(Effect.flip)
              const what = `${record.what}, ${mode}${deleted ? ", deleted" : ""}`
              expect(applied._tag, what).toBe("DatabaseError")
              if (applied._tag !== "DatabaseError") continue
              expect(Errors.isRecordError(applied), what).toBe(true)
              expect(applied.message, what).toContain(record.reason)
            }
          }
        }
        const rows = yield* Effect.promise(() => pool.query("select upstream_id from stripe.customers"))
        expect(rows.rows).toEqual([])
      }))
  }
})

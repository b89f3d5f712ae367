/**
 * `appliesInOneStatement`: the caller (the proxy) skips its transaction block when it says
 * yes, so a yes must mean that `apply` sends exactly one statement, for every strategy.
 */
import { Collection, Record as CoreRecord } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type pg from "pg"
import { Staging, Tables } from "../src/index.js"
import { freshPool } from "./Database.js"
import * as Records from "./Records.js"

const customers = Collection.CollectionId.make("stripe:customer")
const invoices = Collection.CollectionId.make("stripe:invoice")
const mode = (deleteMode: "soft" | "hard") => ({ syncDeleteMode: () => deleteMode })
const encode = Schema.encodeSync(CoreRecord.Record)

const encoded = (record: CoreRecord.Record): Tables.EncodedRecord => ({
  sync: record.sync.id,
  collection: record.collection_id,
  upstreamId: record.upstream_id,
  json: JSON.stringify(encode(record))
})

/** The statements `apply` sends on a connection of its own, outside any transaction block. */
const statementsOf = (pool: pg.Pool, tables: Tables.TablesService, records: ReadonlyArray<Tables.EncodedRecord>, options: Tables.ApplyOptions) =>
  Effect.acquireUseRelease(
    Effect.promise(() => pool.connect()),
    (client) => {
      let sent = 0
      const query = client.query.bind(client)
      const counting = Object.assign(Object.create(client) as pg.PoolClient, {
        query: ((...args: Parameters<typeof query>) => {
          sent++
          return query(...args)
        }) as typeof query
      })
      return Effect.map(tables.applyEncoded(counting, records, options), () => sent)
    },
    (client) => Effect.sync(() => client.release())
  )

describe("appliesInOneStatement", () => {
  for (const strategy of Staging.STRATEGIES) {
    it.scoped(`is true only when apply sends one statement (${strategy})`, () =>
      Effect.gen(function*() {
        const pool = yield* freshPool
        const tables = Tables.make(pool, {}, { strategy })
        const one = [encoded(Records.make({ upstreamId: "cus_1", updatedIdx: 1 }))]
        // Before the table is ensured, apply may migrate and prepare first: no promise made.
        expect(tables.appliesInOneStatement(one, mode("soft"))).toBe(false)
        yield* tables.ensure([customers, invoices])

        const cases = [
          { records: one, options: mode("soft") },
          { records: one, options: mode("hard") },
          {
            records: [...one, encoded(Records.make({ collection: "stripe:invoice", upstreamId: "in_1", updatedIdx: 1 }))],
            options: mode("soft")
          },
          {
            records: Array.from({ length: 20 }, (_, i) => encoded(Records.make({ upstreamId: `cus_${i}`, updatedIdx: 2 }))),
            options: mode("soft")
          }
        ]
        for (const { records, options } of cases) {
          const promised = tables.appliesInOneStatement(records, options)
          const sent = yield* statementsOf(pool, tables, records, options)
          if (promised) expect(sent).toBe(1)
          else expect(sent).toBeGreaterThan(1)
        }
        // The yes cases for the strategies that stage in the statement itself.
        expect(tables.appliesInOneStatement(one, mode("soft"))).toBe(strategy !== "copy")
        expect(tables.appliesInOneStatement(one, mode("hard"))).toBe(false)
      }))
  }
})

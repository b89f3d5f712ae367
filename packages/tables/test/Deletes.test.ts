import { Collection } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Tables } from "../src/index.js"
import { freshPool, inTransaction } from "./Database.js"
import * as Records from "./Records.js"

const customers = Collection.CollectionId.make("stripe:customer")
const mode = (deleteMode: "soft" | "hard") => ({ syncDeleteMode: () => deleteMode })

describe("deletes", () => {
  it.scoped("soft: keeps the row, marked deleted", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {})
      yield* inTransaction(pool, (c) => tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx: 1 })], mode("soft")))
      yield* inTransaction(pool, (c) =>
        tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx: 2, deleted: true })], mode("soft")))
      yield* inTransaction(pool, (c) => tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx: 1 })], mode("soft")))
      const rows = yield* Effect.promise(() => pool.query("select deleted, updated_idx from stripe.customers"))
      expect(rows.rows).toEqual([{ deleted: true, updated_idx: "2" }])
    }))

  it.scoped("hard: removes the row, and a late older update does not bring it back", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {})
      const write = (updatedIdx: number, deleted = false) =>
        inTransaction(pool, (c) => tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx, deleted })], mode("hard")))
      const count = Effect.promise(() => pool.query("select updated_idx from stripe.customers")).pipe(
        Effect.map((r) => r.rows.map((row) => Number(row.updated_idx))))
      yield* write(3)
      expect(yield* count).toEqual([3])
      yield* write(5, true)
      expect(yield* count).toEqual([])
      yield* write(4)
      yield* write(5)
      expect(yield* count).toEqual([])
      const tombstones = yield* Effect.promise(() => pool.query("select updated_idx from tributary.tombstones"))
      expect(tombstones.rows).toEqual([{ updated_idx: "5" }])
      // A newer version than the delete is newer: it is written.
      yield* write(6)
      expect(yield* count).toEqual([6])
    }))

  it.scoped("hard: an older delete does not remove a newer row", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {})
      yield* inTransaction(pool, (c) => tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx: 8 })], mode("hard")))
      yield* inTransaction(pool, (c) =>
        tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx: 7, deleted: true })], mode("hard")))
      const rows = yield* Effect.promise(() => pool.query("select updated_idx from stripe.customers"))
      expect(rows.rows).toEqual([{ updated_idx: "8" }])
    }))

  it.scoped("hard: a delete and an older update of the same record in one batch leave no row", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {})
      yield* inTransaction(pool, (c) =>
        tables.apply(c, [
          Records.make({ upstreamId: "cus_1", updatedIdx: 9, deleted: true }),
          Records.make({ upstreamId: "cus_1", updatedIdx: 4 }),
          Records.make({ upstreamId: "cus_2", updatedIdx: 4 })
        ], mode("hard")))
      const rows = yield* Effect.promise(() => pool.query("select upstream_id from stripe.customers"))
      expect(rows.rows).toEqual([{ upstream_id: "cus_2" }])
    }))

  it.scoped("a collection's delete_mode in TRIBUTARY_TABLES overrides the sync's", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, { [customers]: { delete_mode: "hard" } })
      yield* inTransaction(pool, (c) => tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx: 1 })], mode("soft")))
      yield* inTransaction(pool, (c) =>
        tables.apply(c, [Records.make({ upstreamId: "cus_1", updatedIdx: 2, deleted: true })], mode("soft")))
      const rows = yield* Effect.promise(() => pool.query("select 1 from stripe.customers"))
      expect(rows.rowCount).toBe(0)
    }))
})

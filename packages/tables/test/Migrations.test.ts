import { Collection } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Migrations, Tables, Target } from "../src/index.js"
import { freshPool, inTransaction } from "./Database.js"
import * as Records from "./Records.js"

const customers = Collection.CollectionId.make("stripe:customer")

describe("migrations", () => {
  it.scoped("create every known table once, with its indexes, and record each step", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const collections = Target.knownCollections()
      // Two replicas starting at once must not trip over each other.
      yield* Effect.all([Tables.make(pool, {}).ensure(collections), Tables.make(pool, {}).ensure(collections)],
        { concurrency: 2 })
      const tables = yield* Effect.promise(() => pool.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = 'stripe' order by 1"))
      expect(tables.rows.map((r) => r.name)).toContain("invoice_line_items")
      expect(tables.rows.map((r) => r.name)).toContain("checkout_sessions")
      expect(tables.rowCount).toBe(collections.length)
      const indexes = yield* Effect.promise(() => pool.query<{ name: string }>(
        "select indexname as name from pg_indexes where schemaname = 'stripe' and tablename = 'subscriptions'"))
      expect(indexes.rows.map((r) => r.name).sort()).toEqual([
        "subscriptions_customer_idx", "subscriptions_default_payment_method_idx", "subscriptions_latest_invoice_idx",
        "subscriptions_pkey", "subscriptions_sync_external_id_idx", "subscriptions_sync_id_idx",
        "subscriptions_upstream_id_idx"
      ])
      const again = yield* Effect.promise(() => pool.connect())
      const applied = yield* Migrations.run(again, collections.map((c) => Target.resolve({}, c))
        .flatMap((t) => t._tag === "Managed" ? Migrations.forManaged(t) : []))
      again.release()
      expect(applied).toEqual([])
    }))

  it.scoped("add a new typed column to a table that already has rows, filled from data", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      // The table as an older Tributary made it: without the `phone` column.
      const old = Target.resolve({}, customers) as Target.Managed
      const client = yield* Effect.promise(() => pool.connect())
      yield* Migrations.run(client, Migrations.forManaged({ ...old, columns: old.columns.filter((c) => c.name !== "phone") }))
      client.release()
      const older = Tables.make(pool, {})
      const record = Records.make({ upstreamId: "cus_1", updatedIdx: 1, data: { id: "cus_1", phone: "+33 1 23" } })
      yield* inTransaction(pool, (c) =>
        Effect.promise(() => c.query(
          `insert into stripe.customers (id, upstream_id, updated_idx, sync_id, data) values ($1, 'cus_1', 1, 's', $2)`,
          [record.id, JSON.stringify(record.data)])))
      yield* older.ensure([customers])
      const rows = yield* Effect.promise(() => pool.query("select upstream_id, phone from stripe.customers"))
      expect(rows.rows).toEqual([{ upstream_id: "cus_1", phone: "+33 1 23" }])
    }))

  it.scoped("a recorded typed column dropped by hand is added again and refilled, by one of two replicas", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const target = Target.resolve({}, customers) as Target.Managed
      const steps = Migrations.forManaged(target)
      const runOn = Effect.acquireUseRelease(
        Effect.promise(() => pool.connect()),
        (client) => Migrations.run(client, steps),
        (client) => Effect.sync(() => client.release())
      )
      yield* runOn
      const record = Records.make({ upstreamId: "cus_1", updatedIdx: 1, data: { id: "cus_1", email: "a@example.com" } })
      yield* Effect.promise(() => pool.query(
        `insert into stripe.customers (id, upstream_id, updated_idx, sync_id, data) values ($1, 'cus_1', 1, 's', $2)`,
        [record.id, JSON.stringify(record.data)]))
      yield* Effect.promise(() => pool.query("alter table stripe.customers drop column email"))
      // Two replicas at once: the advisory lock lets one repair, and the other finds it done.
      const [a, b] = yield* Effect.all([runOn, runOn], { concurrency: 2 })
      expect([...a, ...b]).toEqual(["stripe.customers/column/email"])
      const rows = yield* Effect.promise(() => pool.query("select upstream_id, email from stripe.customers"))
      expect(rows.rows).toEqual([{ upstream_id: "cus_1", email: "a@example.com" }])
      expect(yield* runOn).toEqual([])
    }))
})

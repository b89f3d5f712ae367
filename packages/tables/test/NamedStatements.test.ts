/**
 * `namedStatements`: the writes run as named prepared statements, one per statement text,
 * parsed once per connection and reused, with the same versioned outcome as unnamed ones.
 */
import { Collection } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type pg from "pg"
import { Tables } from "../src/index.js"
import { freshPool } from "./Database.js"
import * as Records from "./Records.js"

const customers = Collection.CollectionId.make("stripe:customer")

/** Applies on one connection, in a transaction (hard mode is three statements), and lists that connection's prepared statements. */
const applyOn = (client: pg.PoolClient, tables: Tables.TablesService, records: ReadonlyArray<Parameters<typeof Records.make>[0]>, deleteMode: "soft" | "hard") =>
  Effect.gen(function*() {
    yield* Effect.promise(() => client.query("begin"))
    const applied = yield* tables.apply(client, records.map(Records.make), { syncDeleteMode: () => deleteMode })
    yield* Effect.promise(() => client.query("commit"))
    const prepared = yield* Effect.promise(() => client.query<{ name: string }>("select name from pg_prepared_statements order by name"))
    return { changed: applied.changed, prepared: prepared.rows.map((r) => r.name) }
  })

describe("named statements", () => {
  it.scoped("prepare each statement once per connection and keep the version guard", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {}, { namedStatements: true })
      yield* tables.ensure([customers])
      const client = yield* Effect.acquireRelease(Effect.promise(() => pool.connect()), (c) => Effect.sync(() => c.release()))

      const first = yield* applyOn(client, tables, [{ upstreamId: "cus_1", updatedIdx: 2 }], "soft")
      expect(first.changed).toBe(1)
      expect(first.prepared).toHaveLength(1)
      const older = yield* applyOn(client, tables, [{ upstreamId: "cus_1", updatedIdx: 1 }], "soft")
      expect(older).toEqual({ changed: 0, prepared: first.prepared })
      const newer = yield* applyOn(client, tables, [{ upstreamId: "cus_1", updatedIdx: 3 }, { upstreamId: "cus_2", updatedIdx: 3 }], "soft")
      expect(newer).toEqual({ changed: 2, prepared: first.prepared })

      // After five executions Postgres plans once (a generic plan): the planning per write goes.
      for (let version = 4; version < 10; version++) yield* applyOn(client, tables, [{ upstreamId: "cus_2", updatedIdx: version }], "soft")
      const plans = yield* Effect.promise(() => client.query<{ generic_plans: string }>("select generic_plans from pg_prepared_statements"))
      expect(Number(plans.rows[0]!.generic_plans)).toBeGreaterThan(0)

      // Hard mode: the lock, the delete and its own upsert, each prepared once.
      const deleted = yield* applyOn(client, tables, [{ upstreamId: "cus_1", updatedIdx: 4, deleted: true }], "hard")
      expect(deleted.changed).toBe(1)
      expect(deleted.prepared).toHaveLength(4)
      const resurrected = yield* applyOn(client, tables, [{ upstreamId: "cus_1", updatedIdx: 3 }], "hard")
      expect(resurrected).toEqual({ changed: 0, prepared: deleted.prepared })
      const rows = yield* Effect.promise(() => client.query("select upstream_id from stripe.customers order by upstream_id"))
      expect(rows.rows).toEqual([{ upstream_id: "cus_2" }])
    }))

  it.scoped("prepare nothing by default", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const tables = Tables.make(pool, {})
      yield* tables.ensure([customers])
      const client = yield* Effect.acquireRelease(Effect.promise(() => pool.connect()), (c) => Effect.sync(() => c.release()))
      const applied = yield* applyOn(client, tables, [{ upstreamId: "cus_1", updatedIdx: 1 }], "soft")
      expect(applied).toEqual({ changed: 1, prepared: [] })
    }))
})

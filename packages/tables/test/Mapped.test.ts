import { Collection, Ids, Record as CoreRecord } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { Errors, Staging, Tables, TablesConfig } from "../src/index.js"
import type pg from "pg"
import { freshPool, inTransaction } from "./Database.js"
import * as Records from "./Records.js"

const subscriptions = Collection.CollectionId.make("stripe:subscription")
const soft = { syncDeleteMode: () => "soft" as const }
const encode = Schema.encodeSync(CoreRecord.Record)

const config: TablesConfig.TablesConfig = {
  [subscriptions]: {
    table: "billing.subs",
    key: "upstream_id",
    columns: {
      stripe_id: "upstream_id",
      customer_id: "data.customer",
      quantity: "data.quantity",
      started: "data.start_date",
      version: "updated_idx",
      removed: "deleted",
      raw: "data",
      tenant: "sync.external_id"
    }
  }
}

const createUserTable = (pool: pg.Pool, extra = "") =>
  Effect.promise(() => pool.query(`create schema billing; create table billing.subs (
    stripe_id varchar(64) primary key, customer_id text, quantity integer, started timestamptz,
    version bigint not null, removed boolean, raw jsonb, tenant text, note text default 'mine' ${extra})`))

describe("user-mapped tables", () => {
  it.scoped("writes into the user's columns, with the version guard and their types", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      yield* createUserTable(pool)
      const tables = Tables.make(pool, config)
      const record = (v: number, quantity: number) =>
        Records.make({ collection: subscriptions, upstreamId: "sub_1", updatedIdx: v,
          data: { id: "sub_1", customer: "cus_1", quantity, start_date: 1_700_000_000 } })
      yield* inTransaction(pool, (c) => tables.apply(c, [record(2, 5)], soft))
      yield* inTransaction(pool, (c) => tables.apply(c, [record(1, 1)], soft))
      const rows = yield* Effect.promise(() => pool.query("select * from billing.subs"))
      expect(rows.rows).toEqual([{
        stripe_id: "sub_1", customer_id: "cus_1", quantity: 5, started: new Date(1_700_000_000_000), version: "2",
        removed: false, raw: { id: "sub_1", customer: "cus_1", quantity: 5, start_date: 1_700_000_000 },
        tenant: "tenant_1", note: "mine"
      }])
      // No Tributary table was created for it.
      const ours = yield* Effect.promise(() => pool.query("select to_regclass('stripe.subscriptions') as t"))
      expect(ours.rows[0].t).toBeNull()
    }))

  it.scoped("says what is wrong when the table does not fit the mapping", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      const missingTable = yield* Effect.flip(Tables.make(pool, config).ensure([subscriptions]))
      expect(missingTable.message).toContain("billing.subs, but that table does not exist")
      yield* Effect.promise(() => pool.query("create schema billing; create table billing.subs (stripe_id text, version bigint)"))
      const missingColumns = yield* Effect.flip(Tables.make(pool, config).ensure([subscriptions]))
      expect(missingColumns.message).toContain("it has no column customer_id, quantity, started, removed, raw, tenant")
      yield* Effect.promise(() => pool.query(`alter table billing.subs add column customer_id text, add column quantity int,
        add column started timestamptz, add column removed boolean, add column raw jsonb, add column tenant text`))
      const noKey = yield* Effect.flip(Tables.make(pool, config).ensure([subscriptions]))
      expect(noKey.message).toContain("its key column stripe_id has no unique index")
    }))

  it("rejects a mapping without the key or the version", () => {
    const decode = Schema.decodeUnknownEither(TablesConfig.TablesConfig)
    expect(Either.isLeft(decode({ "stripe:customer": { table: "x.y", columns: { id: "id" } } }))).toBe(true)
    expect(Either.isLeft(decode({ "stripe:customer": { table: "x.y", columns: { v: "updated_idx" } } }))).toBe(true)
    expect(Either.isLeft(decode({ "stripe:customer": { table: "x.y", columns: { id: "id", v: "updated_idx", e: "nope" } } })))
      .toBe(true)
    expect(Either.isRight(decode({ "stripe:customer": { table: "x.y", columns: { id: "id", v: "updated_idx", e: "data.email" } } })))
      .toBe(true)
  })

  it.scoped("a record the user's constraint refuses fails as a record error", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      yield* createUserTable(pool, ", check (quantity < 100)")
      const tables = Tables.make(pool, config)
      const error = yield* Effect.flip(inTransaction(pool, (c) =>
        tables.apply(c, [Records.make({ collection: subscriptions, upstreamId: "sub_1", updatedIdx: 1,
          data: { id: "sub_1", quantity: 500 } })], soft)))
      expect(error._tag).toBe("DatabaseError")
      expect(error._tag === "DatabaseError" && error.sqlstate).toBe("23514")
    }))

  it.scoped("refuses a body of another sync than its subject, though the table has no column for the sync", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      yield* createUserTable(pool)
      const tables = Tables.make(pool, config)
      const other = Records.make({ collection: subscriptions, upstreamId: "sub_1", updatedIdx: 1, sync: Ids.SyncId.make("sync_other") })
      const error = yield* Effect.flip(inTransaction(pool, (c) =>
        tables.applyEncoded(c, [{ sync: Records.SYNC, collection: subscriptions, upstreamId: "sub_1", json: JSON.stringify(encode(other)) }],
          soft)))
      expect(error._tag === "DatabaseError" && Errors.isRecordError(error)).toBe(true)
      expect(error.message).toContain(`subject says sync ${Records.SYNC}, body says sync_other (upstream_id sub_1)`)
      const rows = yield* Effect.promise(() => pool.query("select * from billing.subs"))
      expect(rows.rows).toEqual([])
    }))

  it.scoped("refuses a body of another record than its subject, though the table is keyed on upstream_id", () =>
    Effect.gen(function*() {
      const pool = yield* freshPool
      yield* createUserTable(pool)
      const tables = Tables.make(pool, config)
      yield* inTransaction(pool, (c) =>
        tables.apply(c, [Records.make({ collection: subscriptions, upstreamId: "sub_2", updatedIdx: 1 })], soft))
      const body = JSON.stringify(encode(Records.make({ collection: subscriptions, upstreamId: "sub_2", updatedIdx: 2,
        data: { id: "sub_2", quantity: 99 } })))
      const error = yield* Effect.flip(inTransaction(pool, (c) =>
        tables.applyEncoded(c, [{ sync: Records.SYNC, collection: subscriptions, upstreamId: "sub_1", json: body }], soft)))
      expect(error._tag === "DatabaseError" && Errors.isRecordError(error)).toBe(true)
      expect(error.message).toContain("subject says record sub_1, body says sub_2 (upstream_id sub_2)")
      const rows = yield* Effect.promise(() => pool.query("select stripe_id, quantity, version from billing.subs"))
      expect(rows.rows).toEqual([{ stripe_id: "sub_2", quantity: null, version: "1" }])
    }))
})

describe("a user-mapped table that uses few of the record's fields", () => {
  const bare: TablesConfig.TablesConfig = {
    [subscriptions]: { table: "billing.bare", key: "id", columns: { rid: "id", version: "updated_idx", removed: "deleted" } }
  }
  const REQUIRED = ["id", "upstream_id", "deleted", "updated_idx", "data"] as const

  for (const strategy of Staging.STRATEGIES) {
    it.scoped(`still refuses a record without a field every record has (${strategy})`, () =>
      Effect.gen(function*() {
        const pool = yield* freshPool
        yield* Effect.promise(() =>
          pool.query("create schema billing; create table billing.bare (rid uuid primary key, version bigint not null, removed boolean)"))
        const tables = Tables.make(pool, bare, { strategy })
        for (const mode of ["soft", "hard"] as const) {
          for (const field of REQUIRED) {
            const record = encode(Records.make({ collection: subscriptions, upstreamId: `sub_${field}`, updatedIdx: 1 }))
            const json = JSON.stringify({ ...record, [field]: undefined })
            const what = `${field}, ${mode}`
            const error = yield* Effect.flip(inTransaction(pool, (c) =>
              tables.applyEncoded(c, [{ sync: Records.SYNC, collection: subscriptions, upstreamId: `sub_${field}`, json }],
                { syncDeleteMode: () => mode })))
            expect(error._tag === "DatabaseError" && Errors.isRecordError(error), what).toBe(true)
            expect(error.message, what).toContain(`not a record: it has no ${field}`)
          }
        }
        const rows = yield* Effect.promise(() => pool.query("select * from billing.bare"))
        expect(rows.rows).toEqual([])
      }))
  }
})

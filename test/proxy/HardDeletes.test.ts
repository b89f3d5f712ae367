/**
 * A DELETE through the proxy on a collection configured for hard deletes (`delete_mode`
 * in TRIBUTARY_TABLES, docs/sink.md "Deletes"): the row is gone from Postgres once the
 * statement answers, the API deleted the object, and an older version of it arriving
 * later from the sink (the sink's own versioned upsert, `@tributary/tables`) does not bring
 * it back.
 */
import { Collection, Ids } from "@tributary/core"
import { Tables } from "@tributary/tables"
import { Effect } from "effect"
import pg from "pg"
import type Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"

const CUSTOMERS = Collection.make("stripe", "customer")
const tables = { [CUSTOMERS]: { delete_mode: "hard" as const } }
const fixture = EmulatedStack.use(tables)
let owner: pg.Pool

beforeAll(() => {
  owner = new pg.Pool({ connectionString: fixture.stack.ownerUrl, max: 2 })
})

afterAll(async () => {
  await owner?.end()
})

interface Row {
  readonly id: string
  readonly upstream_id: string
  readonly sync_id: string
  readonly sync_external_id: string | null
  readonly sync_metadata: Record<string, unknown>
  readonly updated_idx: string
  readonly upstream_created_at: Date | null
  readonly upstream_updated_at: Date | null
  readonly data: Record<string, unknown>
}

const rowsOf = async (upstreamId: string) =>
  (await owner.query<Row>("select * from stripe.customers where upstream_id = $1", [upstreamId])).rows

/** The row as the sink would write it again: the same record at the version the row had. */
const sinkApplies = async (row: Row) => {
  const service = Tables.make(owner, tables)
  const client = await owner.connect()
  try {
    await client.query("begin")
    const applied = await Effect.runPromise(service.applyEncoded(client, [{
      sync: Ids.SyncId.make(row.sync_id),
      collection: CUSTOMERS,
      upstreamId: row.upstream_id,
      json: JSON.stringify({
        id: row.id,
        upstream_id: row.upstream_id,
        collection_id: CUSTOMERS,
        sync: { id: row.sync_id, external_id: row.sync_external_id, metadata: row.sync_metadata },
        deleted: false,
        updated_idx: Number(row.updated_idx),
        upstream_created_at: row.upstream_created_at?.toISOString() ?? null,
        upstream_updated_at: row.upstream_updated_at?.toISOString() ?? null,
        data: row.data
      })
    }], { syncDeleteMode: () => "soft" }))
    await client.query("commit")
    return applied
  } finally {
    client.release()
  }
}

describe("a DELETE on a hard-delete collection", () => {
  it("removes the row, deletes the object in the API, and an older version from the sink does not bring it back", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    const inserted = await client.query("insert into stripe.customers (email, name) values ('hard@x.co', 'Leto') returning upstream_id")
    const upstreamId = inserted.rows[0].upstream_id as string
    await client.query("update stripe.customers set name = 'Leto II' where upstream_id = $1", [upstreamId])
    const [beforeDelete] = await rowsOf(upstreamId)
    expect(beforeDelete?.data.name).toBe("Leto II")

    const deleted = await client.query("delete from stripe.customers where upstream_id = $1 returning email, name", [upstreamId])
    expect(deleted.rowCount).toBe(1)
    expect(deleted.rows).toEqual([{ email: "hard@x.co", name: "Leto II" }])
    expect(await rowsOf(upstreamId)).toEqual([])
    expect((await client.query("select count(*)::int as n from stripe.customers where upstream_id = $1", [upstreamId])).rows[0].n).toBe(0)
    const tombstone = await owner.query<{ updated_idx: string }>("select updated_idx from tributary.tombstones where id = $1", [beforeDelete!.id])
    // Stripe's times are seconds: an update and a delete in the same second are one version, and the delete wins it.
    expect(BigInt(tombstone.rows[0]!.updated_idx)).toBeGreaterThanOrEqual(BigInt(beforeDelete!.updated_idx))
    const inApi = await fixture.api.customers.retrieve(upstreamId)
    expect((inApi as Stripe.DeletedCustomer).deleted).toBe(true)

    // The update's version, arriving from the sink after the delete: older than the tombstone.
    const applied = await sinkApplies(beforeDelete!)
    expect(applied.changed).toBe(0)
    expect(await rowsOf(upstreamId)).toEqual([])
    // A second DELETE finds nothing to delete, and sends nothing.
    const again = await client.query("delete from stripe.customers where upstream_id = $1", [upstreamId])
    expect(again.rowCount).toBe(0)
  })
})

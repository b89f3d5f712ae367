/**
 * A live sync whose collections change: a collection added is backfilled (and then followed),
 * the others are not listed again; one removed and added again is backfilled again, so what
 * changed while it was not followed arrives. A new `external_id` or `metadata` reaches every
 * record, not only those that change upstream afterwards.
 */
import { Collection, SyncStore } from "@tributary/core"
import type { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.js"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 10 })
})
afterAll(() => h.close())

const customers = Collection.make("stripe", "customer")
const products = Collection.make("stripe", "product")

/** The actor restarted with the sync's new config (its `config_changed`), and is live again. */
const reconfigured = async (sync: Ids.SyncId, changes: number) => {
  await Fixtures.waitFor(`config change ${changes} of ${sync} taken up`, async () => {
    const log = await Records.milestones(h.nc, h.ns, sync)
    return log.filter((m) => m === "config_changed").length >= changes ? true : undefined
  }, { timeoutMs: 30_000, intervalMs: 100 })
  await h.waitForPhase(sync, ["live"])
}

describe("a live sync reconfigured", () => {
  it("backfills a collection added, and one removed and added again", async () => {
    await h.replica("r1", { pollIntervalMs: 200 })
    const sync = await h.createSync({ collections: [customers] })
    await h.waitForPhase(sync.id, ["live"])
    await Eventually.exactCopy(h, sync.id, 60_000, [customers])
    const customerChanges = await Records.count(h.nc, h.ns.streams.events, `${h.ns.root}.events.${sync.id}.${customers}.>`)

    await h.run(SyncStore.change(sync.id, { collections: [customers, products] }))
    await reconfigured(sync.id, 1)
    await Eventually.exactCopy(h, sync.id, 60_000, [customers, products])
    // The customers, followed all along, were not published again.
    expect(await Records.count(h.nc, h.ns.streams.events, `${h.ns.root}.events.${sync.id}.${customers}.>`)).toBe(customerChanges)

    // Not followed while removed: a product renamed then is only found by listing products again.
    await h.run(SyncStore.change(sync.id, { collections: [customers] }))
    await reconfigured(sync.id, 2)
    const product = [...((await h.records(sync.id)).byCollection.get(products)?.keys() ?? [])][0] ?? ""
    await Api.call(h, "POST", `/v1/products/${product}`, "name=Renamed%20While%20Removed")
    // The feed's cursor moves past the overlap window it re-scans, so the rename's event
    // cannot bring it either: a customer's change well after it.
    await h.admin.advanceClock(600)
    const customer = [...((await h.records(sync.id)).byCollection.get(customers)?.keys() ?? [])][0] ?? ""
    await Api.call(h, "POST", `/v1/customers/${customer}`, "name=Changed%20Later")
    await Fixtures.waitFor("the feed past the rename", async () => {
      const record = (await h.records(sync.id)).byCollection.get(customers)?.get(customer)
      return record?.data.name === "Changed Later" ? true : undefined
    }, { timeoutMs: 30_000, intervalMs: 100 })

    await h.run(SyncStore.change(sync.id, { collections: [customers, products] }))
    await reconfigured(sync.id, 3)
    const copy = await Eventually.exactCopy(h, sync.id, 60_000, [customers, products])
    expect(copy.get(products)?.get(product)?.data.name).toBe("Renamed While Removed")
  }, 180_000)

  it("publishes every record again with the sync's new external_id and metadata", async () => {
    await h.replica("r2", { pollIntervalMs: 200 })
    const sync = await h.createSync({ collections: [customers], external_id: "before" })
    await h.waitForPhase(sync.id, ["live"])
    const before = await Eventually.exactCopy(h, sync.id, 60_000, [customers])
    // A tombstone carries the sync too (a soft-deleted row keeps its sync columns).
    const deleted = [...(before.get(customers)?.keys() ?? [])][0] ?? ""
    await Api.call(h, "DELETE", `/v1/customers/${deleted}`)
    await Fixtures.waitFor("the delete", async () =>
      (await h.records(sync.id)).byCollection.get(customers)?.get(deleted)?.deleted === true ? true : undefined, { timeoutMs: 30_000 })
    const published = await h.records(sync.id)

    await h.run(SyncStore.change(sync.id, { external_id: "acct-42", metadata: { tenant: "t1" } }))
    const after = await Fixtures.waitFor("every record with the new external_id and metadata", async () => {
      const { byCollection } = await h.records(sync.id)
      const records = [...(byCollection.get(customers)?.values() ?? [])]
      return records.every((r) => r.sync.external_id === "acct-42" && JSON.stringify(r.sync.metadata) === `{"tenant":"t1"}`) ? byCollection : undefined
    }, { timeoutMs: 30_000, intervalMs: 200 })
    for (const [id, record] of after.get(customers) ?? []) {
      const old = published.byCollection.get(customers)?.get(id)
      // The same data and deleted flag, as a newer version (the sink's guard takes it).
      expect(record.data).toStrictEqual(old?.data)
      expect(record.deleted).toBe(old?.deleted)
      expect(record.updated_idx).toBeGreaterThan(old?.updated_idx ?? Infinity)
    }
    await h.waitForPhase(sync.id, ["live"])
  }, 120_000)
})

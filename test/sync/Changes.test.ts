/**
 * Changes made while the sync backfills and while it is live all arrive, also when
 * /v1/events lists events late and out of order; no record ends older than upstream.
 */
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.js"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 60 })
})
afterAll(() => h.close())

describe("changes", () => {
  it("applies the mutations made during the backfill (no hand-off gap)", async () => {
    // A slow budget keeps the backfill running while the account changes under it.
    const sync = await h.createSync({ rate_budget: { quota_per_second: 15, share: 1 } })
    await h.replica("r1", { pollIntervalMs: 200, sweepIntervalMs: 1000 })
    await h.waitForPhase(sync.id, ["backfilling"])
    const run = await h.admin.mutate({ ratePerSecond: 40, durationMs: 3000, wait: true })
    expect(run.performed).toBeGreaterThan(50)
    expect((await h.status(sync.id))?.phase).toBe("backfilling")
    await Eventually.exactCopy(h, sync.id, 90_000)
  }, 120_000)

  it("loses no event when /v1/events lists them late and out of order, and keeps updated_idx rising", async () => {
    const sync = await h.createSync()
    await h.replica("r2", { pollIntervalMs: 200, overlapSeconds: 30, rescanIntervalMs: 1000, sweepIntervalMs: 1000 })
    await h.waitForPhase(sync.id, ["live"])
    await h.admin.faults({ eventListingDelayMs: 4000, eventListingDelayShare: 0.5, eventListingJitter: true })
    await h.admin.mutate({ ratePerSecond: 50, durationMs: 4000, wait: true })
    await Eventually.exactCopy(h, sync.id, 90_000)
    await h.admin.resetFaults()

    // Every change a record went through was published with a higher updated_idx than the one before.
    const changes = await Records.changes(h.nc, h.ns, sync.id)
    for (const [, versions] of changes) {
      for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!)
    }
  }, 150_000)

  it("publishes deletes: a deleted customer with deleted: true and its last data, a canceled subscription's upcoming invoice as a tombstone", async () => {
    const sync = await h.createSync()
    await h.replica("r4", { pollIntervalMs: 200 })
    await h.waitForPhase(sync.id, ["live"])
    const before = (await h.records(sync.id)).byCollection
    const subscription = [...(before.get("stripe:subscription")?.values() ?? [])].find((s) => s.data.status === "active")
    const customer = [...(before.get("stripe:customer")?.values() ?? [])].find((c) => c.upstream_id !== subscription?.data.customer)
    expect(before.get("stripe:upcoming_invoice")?.get(subscription?.upstream_id ?? "")?.deleted).toBe(false)

    await Api.call(h, "DELETE", `/v1/customers/${customer?.upstream_id}`)
    await Api.call(h, "DELETE", `/v1/subscriptions/${subscription?.upstream_id}`)
    const after = await Fixtures.waitFor("both deletes", async () => {
      const records = (await h.records(sync.id)).byCollection
      const gone = records.get("stripe:customer")?.get(customer?.upstream_id ?? "")
      const upcoming = records.get("stripe:upcoming_invoice")?.get(subscription?.upstream_id ?? "")
      return gone?.deleted === true && upcoming?.deleted === true ? { gone, upcoming, records } : undefined
    }, { timeoutMs: 30_000, intervalMs: 200 })
    // customer.deleted carries the customer as it last was.
    expect(after.gone.data).toMatchObject({ id: customer?.upstream_id, email: customer?.data.email })
    // customer.subscription.deleted is a cancellation: the subscription stays, canceled.
    expect(after.records.get("stripe:subscription")?.get(subscription?.upstream_id ?? "")).toMatchObject({ deleted: false, data: { status: "canceled" } })
    await Eventually.exactCopy(h, sync.id)
  }, 90_000)

  it("applies an event listed later than every poll reaches back, through the overlap re-scan", async () => {
    const sync = await h.createSync()
    // Each poll reaches about 4 s back (lookback plus the list's own start); the event below is
    // listed 12 s late, so only the re-scan of the 30 s overlap window can find it.
    await h.replica("r3", { pollIntervalMs: 200, overlapSeconds: 30, rescanIntervalMs: 1000, sweepIntervalMs: 60_000 })
    await h.waitForPhase(sync.id, ["live"])
    const customer = (await h.records(sync.id)).byCollection.get("stripe:customer")?.keys().next().value ?? ""
    await h.admin.faults({ eventListingDelayMs: 12_000, eventListingDelayShare: 1, eventListingJitter: false })
    await fetch(`${h.emulator.url}/v1/customers/${customer}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${h.apiKey}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: "name=Listed%20Late"
    })
    await h.admin.resetFaults()
    const listedLate = await Fixtures.waitFor("the late-listed change", async () => {
      const record = (await h.records(sync.id)).byCollection.get("stripe:customer")?.get(customer)
      return record?.data.name === "Listed Late" ? record : undefined
    }, { timeoutMs: 60_000, intervalMs: 250 })
    expect(listedLate.data.name).toBe("Listed Late")
  }, 120_000)
})

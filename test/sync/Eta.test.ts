/**
 * The ETA in a sync's status while it backfills. A work item that reads something per parent
 * (each customer's payment methods, each subscription's upcoming invoice) spends most of its
 * requests inside its pages: an account whose customers fit in one list page still needs a
 * request per customer, and the status gives an ETA for them; until it is known, the status
 * says it is estimating, with the work items whose first page is still coming.
 */
import { Collection } from "@tributary/core"
import type { SyncStatus } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./support/Harness.js"

let h: Harness.Harness
beforeAll(async () => {
  // Fewer customers than one list page of 100.
  h = await Harness.make({ customers: 90 })
  await h.replica("r1")
})
afterAll(() => h.close())

describe("the ETA of a backfill", () => {
  it("is given for the payment methods of customers that are listed in one page", async () => {
    // A request per customer at 20 req/s: seconds of backfill, all of it per customer.
    const sync = await h.createSync({
      collections: [Collection.CollectionId.make("stripe:payment_method")],
      rate_budget: { quota_per_second: 20, share: 1 }
    })
    const withEta = await Fixtures.waitFor("an ETA in the status while backfilling", async () => {
      const status = await h.status(sync.id)
      if (status !== undefined && status.phase !== "pending" && status.phase !== "backfilling") {
        throw new Error(`the backfill ended (${status.phase}) without an ETA in the status`)
      }
      return status?.phase === "backfilling" && status.eta_seconds !== undefined ? status : undefined
    }, { timeoutMs: 30_000, intervalMs: 50 })
    // About what is left of ~90 requests at 20 req/s.
    expect(withEta.eta_seconds).toBeGreaterThan(0)
    expect(withEta.eta_seconds).toBeLessThan(30)
    await h.waitForPhase(sync.id, ["live"], 60_000)
  }, 90_000)

  it("is said to be estimating, with the work items still on their first page, from the start until it is known", async () => {
    // At 10 req/s the first page of the customers' payment methods (a request per customer) takes seconds.
    const sync = await h.createSync({
      collections: [Collection.CollectionId.make("stripe:payment_method")],
      rate_budget: { quota_per_second: 10, share: 1 }
    })
    const seen: Array<SyncStatus.SyncStatus> = []
    await Fixtures.waitFor("the sync live", async () => {
      const status = await h.status(sync.id)
      if (status !== undefined) seen.push(status)
      return status?.phase === "live" ? status : undefined
    }, { timeoutMs: 60_000, intervalMs: 50 })
    const backfilling = seen.filter((s) => s.phase === "backfilling")
    const firstEta = backfilling.findIndex((s) => s.eta_seconds !== undefined)
    const beforeEta = firstEta === -1 ? backfilling : backfilling.slice(0, firstEta)
    expect(beforeEta.some((s) => (s.estimating?.work_items ?? 0) > 0)).toBe(true)
    for (const s of backfilling) if (s.eta_seconds !== undefined) expect(s.estimating).toBeUndefined()
    expect(seen.at(-1)?.estimating).toBeUndefined()
  }, 90_000)
})

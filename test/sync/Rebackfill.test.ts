/**
 * A sync away for longer than Stripe keeps events (30 days) cannot replay what it missed:
 * its feed cursor has expired, so it logs `cursor_expired` and backfills again as a new
 * generation. What changed meanwhile arrives, a customer deleted while it was away becomes a
 * delete (no event of it is left), and the new backfill's row counts are the account's.
 */
import { SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.js"
import * as Compare from "./support/Compare.js"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 12 })
})
afterAll(() => h.close())

describe("a cursor older than the event retention", () => {
  it("backfills again, and what changed while the sync was away arrives", async () => {
    await h.replica("r1", { pollIntervalMs: 200, sweepIntervalMs: 1000 })
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"])
    const first = await Eventually.exactCopy(h, sync.id)
    expect(await Records.lastRowCounts(h.nc, h.ns, sync.id)).toStrictEqual(Compare.nonZeroCounts(first))

    await h.run(SyncStore.setState(sync.id, "paused"))
    await h.waitForPhase(sync.id, ["paused"])
    // While it is away: a customer is deleted and a subscription canceled; then 31 days pass,
    // so their events are gone from /v1/events before the sync looks again.
    const customer = [...(first.get("stripe:customer")?.keys() ?? [])][0] ?? ""
    await Api.call(h, "DELETE", `/v1/customers/${customer}`)
    const subscription = [...(first.get("stripe:subscription")?.values() ?? [])]
      .find((s) => s.data.status === "active" && s.data.customer !== customer)?.upstream_id ?? ""
    await Api.call(h, "DELETE", `/v1/subscriptions/${subscription}`)
    await h.admin.advanceClock(31 * 86_400)
    await h.run(SyncStore.setState(sync.id, "active"))

    await Fixtures.waitFor("a second backfill, complete", async () => {
      const log = await Records.milestones(h.nc, h.ns, sync.id)
      return log.filter((m) => m === "backfill_complete").length === 2 ? log : undefined
    }, { timeoutMs: 90_000, intervalMs: 250 })
    const log = await Records.milestoneEntries(h.nc, h.ns, sync.id)
    const expired = log.findIndex((m) => m._tag === "cursor_expired")
    expect(expired).toBeGreaterThan(0)
    expect(log.slice(expired).find((m) => m._tag === "backfill_started")).toMatchObject({ generation: 2 })

    await h.waitForPhase(sync.id, ["live"])
    const second = await Eventually.exactCopy(h, sync.id)
    expect(second.get("stripe:customer")?.get(customer)?.deleted).toBe(true)
    expect(second.get("stripe:upcoming_invoice")?.get(subscription)?.deleted).toBe(true)
    // The counts of the new backfill are the account's, not only what changed since the first.
    expect(await Records.lastRowCounts(h.nc, h.ns, sync.id)).toStrictEqual(Compare.nonZeroCounts(second))
  }, 180_000)
})

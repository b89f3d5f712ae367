/**
 * A backfill of a seeded account (every object type, nested lists longer than 10) leaves
 * exactly one message per upstream object in RECORDS, equal to the emulator's dump.
 */
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.js"
import * as Compare from "./support/Compare.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 40 })
})
afterAll(() => h.close())

describe("backfill", () => {
  it("publishes exactly one message per upstream object, equal to the emulator's dump", async () => {
    // A subscription still waiting for its first payment will invoice again: it has an upcoming invoice too.
    const customer = ((await Api.call(h, "GET", "/v1/customers?limit=1")).data as Array<{ id: string }>)[0]?.id ?? ""
    const prices = (await Api.call(h, "GET", "/v1/prices?limit=100")).data as Array<{ id: string; recurring: unknown; active: boolean }>
    const price = prices.find((p) => p.recurring !== null && p.active)?.id ?? ""
    const incomplete = await Api.call(h, "POST", "/v1/subscriptions", `customer=${customer}&items[0][price]=${price}&payment_behavior=default_incomplete`)
    expect(incomplete.status).toBe("incomplete")
    // Its events fall out of the overlap the feed re-scans at start (which reaches back from the
    // newest event), so only the backfill can find its upcoming invoice.
    await h.admin.advanceClock(300)
    await Api.call(h, "POST", `/v1/customers/${customer}`, "name=Newest%20Event")

    const sync = await h.createSync()
    await h.replica("r1")
    const live = await h.waitForPhase(sync.id, ["live"])
    const { byCollection, messages } = await h.records(sync.id)
    const dump = await Compare.expectedDump(h.admin)
    expect(Compare.differences(dump, byCollection)).toStrictEqual([])

    const objects = Object.entries(dump).filter(([name]) => name !== "account").reduce((n, [, list]) => n + list.length, 0)
    const upcoming = byCollection.get("stripe:upcoming_invoice")?.size ?? 0
    expect(messages).toBe(objects + upcoming)
    expect(upcoming).toBeGreaterThan(0)
    // Nested lists longer than a page arrived whole.
    const samples = h.emulator.seeded[0]?.samples
    const invoice = byCollection.get("stripe:invoice")?.get(samples?.invoiceWithManyLines ?? "")
    expect((invoice?.data.lines as { data: Array<unknown>; has_more: boolean }).data.length).toBe(25)
    const charge = byCollection.get("stripe:charge")?.get(samples?.chargeWithManyRefunds ?? "")
    expect(charge?.data.refunds).toMatchObject({ has_more: false })
    expect((charge?.data.refunds as { data: Array<unknown> }).data.length).toBe(12)
    expect(Object.values(live.progress).every((p) => p.done)).toBe(true)

    // The sync log: the backfill started from the feed's head, completed with the row counts and
    // that cursor (the changes after it are replayed), then the feed caught up.
    // (The phase is live a moment before `events_caught_up` is logged.)
    const log = await Fixtures.waitFor("events_caught_up in the sync log", async () => {
      const entries = await Records.milestoneEntries(h.nc, h.ns, sync.id)
      return entries.some((m) => m._tag === "events_caught_up") ? entries : undefined
    }, { timeoutMs: 10_000, intervalMs: 100 })
    expect(log.map((m) => m._tag)).toStrictEqual(["backfill_started", "backfill_complete", "events_caught_up"])
    const [started, complete, caughtUp] = log
    expect(started).toMatchObject({ generation: 1, cursor: { position: expect.any(Number) } })
    expect(complete).toMatchObject({ generation: 1, cursor: started?.cursor, row_counts: Compare.nonZeroCounts(byCollection) })
    expect(caughtUp).toMatchObject({ generation: 1 })
  })
})

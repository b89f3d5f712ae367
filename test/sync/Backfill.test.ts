/**
 * A backfill of a seeded account (every object type, nested lists longer than 10) leaves
 * exactly one message per upstream object in RECORDS, equal to the emulator's dump.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Compare from "./support/Compare.js"
import * as Harness from "./support/Harness.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 40 })
})
afterAll(() => h.close())

describe("backfill", () => {
  it("publishes exactly one message per upstream object, equal to the emulator's dump", async () => {
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
  })
})

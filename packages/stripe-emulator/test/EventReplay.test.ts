import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { collect, freshAccount, startEmulator, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

/** Types Stripe announces on every change; the others have silent changes by design (see README). */
const ANNOUNCED = ["customer", "product", "price", "plan", "coupon", "tax_rate", "subscription", "invoice", "charge", "refund", "dispute", "payout", "credit_note"]

/** Nested lists: events carry their first page, the dump carries all of it. */
const withoutNestedLists = (object: Record<string, unknown>): Record<string, unknown> => {
  const { lines: _lines, items: _items, ...rest } = object
  return rest
}

describe("events tell the whole story", () => {
  it("replaying every event rebuilds the announced objects exactly as the dump has them", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    await admin.seed({ customers: 40, historyDays: 20 })
    const run = await admin.mutate({ ratePerSecond: 1_000, count: 300, wait: true })
    expect(run.errors).toBe(0)

    const replayed = new Map<string, Record<string, unknown>>()
    const events = (await collect(stripe.events.list({ limit: 100 }))).reverse()
    for (const event of events) {
      const object = event.data.object as unknown as Record<string, unknown>
      const key = `${String(object["object"])}:${String(object["id"])}`
      if (event.type.endsWith(".deleted") && event.type !== "customer.subscription.deleted") replayed.delete(key)
      else replayed.set(key, object)
    }

    const dump = await admin.dump()
    for (const type of ANNOUNCED) {
      const objects = (dump[type] ?? []) as ReadonlyArray<Record<string, unknown>>
      expect(objects.length, type).toBeGreaterThan(0)
      for (const object of objects) {
        const fromEvents = replayed.get(`${type}:${String(object["id"])}`)
        expect(fromEvents && withoutNestedLists(fromEvents), `${type} ${String(object["id"])}`).toEqual(withoutNestedLists(object))
      }
    }
  })
})

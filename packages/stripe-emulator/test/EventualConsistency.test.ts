import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, freshAccount, startEmulator, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const LISTING_DELAY_MS = 3_000

describe("eventually consistent /v1/events", () => {
  it("lists a delayed event only later, behind an event with a later created", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const early = await stripe.customers.create({ email: "early@example.com" })
    // Long enough that the next request, on a busy machine, still comes well before it is listable.
    await admin.faults({ eventListingDelayMs: LISTING_DELAY_MS, eventListingJitter: false })
    await stripe.customers.update(early.id, { name: "Delayed" })
    expect((await stripe.events.list()).data.map((event) => event.type)).toEqual(["customer.created"])

    await admin.resetFaults()
    await admin.advanceClock(1)
    const late = await stripe.customers.create({ email: "late@example.com" })
    const lateEvent = (await stripe.events.list({ type: "customer.created" })).data.find((event) => (event.data.object as { id?: string }).id === late.id)
    expect(lateEvent).toBeDefined()
    const cursor = lateEvent?.id ?? ""

    // A poller that already holds the newest event as its cursor never sees the delayed one…
    expect((await stripe.events.list({ ending_before: cursor })).data).toHaveLength(0)

    // …which surfaces later, behind (older than) the event it should have preceded.
    const listed = await eventually(async () => {
      const page = await stripe.events.list()
      return page.data.length === 3 ? page.data : undefined
    }, LISTING_DELAY_MS + 15_000)
    expect(listed.map((event) => event.type)).toEqual(["customer.created", "customer.updated", "customer.created"])
    expect(listed[0]?.id).toBe(cursor)
    expect(listed[1]?.created).toBeLessThan(lateEvent?.created ?? 0)
    expect((await stripe.events.list({ ending_before: cursor })).data).toHaveLength(0)
  })

  it("records a delayed event at once but keeps it out of lists until its time", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    await admin.faults({ eventListingDelayMs: 10_000, eventListingJitter: false })
    await stripe.customers.create({ email: "hidden@example.com" })
    await admin.resetFaults()
    expect((await stripe.events.list()).data).toHaveLength(0)
    expect((await admin.stats()).events).toBe(1)
  })

  it("reorders events among themselves with jitter", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    await admin.faults({ eventListingDelayMs: 300, eventListingDelayShare: 0.5 })
    for (let index = 0; index < 20; index++) await stripe.customers.create({ email: `jitter${index}@example.com` })
    await admin.resetFaults()
    const all = await eventually(async () => {
      const page = await stripe.events.list({ limit: 100 })
      return page.data.length === 20 ? page.data : undefined
    })
    expect(new Set(all.map((event) => event.id)).size).toBe(20)
  })
})

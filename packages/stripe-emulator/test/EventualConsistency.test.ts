import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventually, freshAccount, startEmulator, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

describe("eventually consistent /v1/events", () => {
  it("lists a delayed event only later, behind an event with a later created", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const early = await stripe.customers.create({ email: "early@example.com" })
    await admin.faults({ eventListingDelayMs: 400, eventListingJitter: false })
    await stripe.customers.update(early.id, { name: "Delayed" })
    await admin.resetFaults()
    await admin.advanceClock(1)
    const late = await stripe.customers.create({ email: "late@example.com" })

    const first = await stripe.events.list()
    expect(first.data.map((event) => event.type)).toEqual(["customer.created", "customer.created"])
    const lateEvent = first.data[0]
    expect(lateEvent?.data.object).toMatchObject({ id: late.id })

    // A poller that already holds the newest event as its cursor never sees the delayed one…
    expect((await stripe.events.list({ ending_before: lateEvent?.id ?? "" })).data).toHaveLength(0)

    // …which surfaces later, behind (older than) the event it should have preceded.
    const listed = await eventually(async () => {
      const page = await stripe.events.list()
      return page.data.length === 3 ? page.data : undefined
    })
    expect(listed.map((event) => event.type)).toEqual(["customer.created", "customer.updated", "customer.created"])
    const delayed = listed[1]
    expect(delayed?.created).toBeLessThan(lateEvent?.created ?? 0)
    expect((await stripe.events.list({ ending_before: lateEvent?.id ?? "" })).data).toHaveLength(0)
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

import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DUMP_COLLECTIONS, type Dump, type SeedSummary } from "../src/index.js"
import { eventually, freshAccount, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator
let seeded: SeedSummary
let dump: Dump

beforeAll(async () => {
  emulator = await startEmulator()
  seeded = await emulator.admin().seed({ customers: 60 })
  dump = await emulator.admin().dump()
})
afterAll(() => emulator.stop())

interface NestedList {
  readonly data: ReadonlyArray<{ readonly id: string }>
  readonly has_more: boolean
}

const objectsOf = (collection: string): ReadonlyArray<Record<string, unknown>> => (dump[collection] ?? []) as ReadonlyArray<Record<string, unknown>>

describe("admin API", () => {
  it("seeds every object type", () => {
    for (const collection of Object.values(DUMP_COLLECTIONS)) {
      if (collection === "account") continue
      expect(seeded.counts[collection], collection).toBeGreaterThan(0)
      expect(objectsOf(collection).length, collection).toBe(seeded.counts[collection])
    }
    expect(seeded.events).toBeGreaterThan(0)
  })

  it("dumps nested lists whole, with has_more false, and children under their own type", () => {
    const invoice = objectsOf("invoice").find((candidate) => candidate["id"] === seeded.samples.invoiceWithManyLines)
    const lines = invoice?.["lines"] as NestedList
    expect(lines.data).toHaveLength(25)
    expect(lines.has_more).toBe(false)
    const lineIds = new Set(objectsOf("invoice_line_item").map((line) => line["id"]))
    for (const line of lines.data) expect(lineIds.has(line.id)).toBe(true)
    const subscription = objectsOf("subscription").find((candidate) => candidate["id"] === seeded.samples.subscriptionWithManyItems)
    expect((subscription?.["items"] as NestedList).data).toHaveLength(20)
    const note = objectsOf("credit_note").find((candidate) => candidate["id"] === seeded.samples.creditNoteWithManyLines)
    expect((note?.["lines"] as NestedList).data).toHaveLength(15)
    // Lists a GET only shows when expanded stay out of the dump, as in a GET.
    expect(objectsOf("charge").every((charge) => !("refunds" in charge))).toBe(true)
  })

  it("dumps expand-only lists whole when asked, as a GET with expand[] shows them", async () => {
    const expanded = await emulator.admin().dump({ expand: ["charge.refunds"] })
    const charges = (expanded["charge"] ?? []) as ReadonlyArray<Record<string, unknown>>
    expect(charges.every((charge) => (charge["refunds"] as NestedList).has_more === false)).toBe(true)
    const refundsByCharge = new Map<string, number>()
    for (const refund of objectsOf("refund")) {
      const charge = String(refund["charge"])
      refundsByCharge.set(charge, (refundsByCharge.get(charge) ?? 0) + 1)
    }
    for (const charge of charges) {
      expect((charge["refunds"] as NestedList).data).toHaveLength(refundsByCharge.get(String(charge["id"])) ?? 0)
    }
    expect(charges.some((charge) => (charge["refunds"] as NestedList).data.length > 0)).toBe(true)
    const stripe = stripeFor(emulator)
    const refundCount = (charge: Record<string, unknown>): number => (charge["refunds"] as NestedList).data.length
    const sample = charges.find((charge) => refundCount(charge) > 0 && refundCount(charge) <= 10)!
    const viaGet = await stripe.charges.retrieve(String(sample["id"]), { expand: ["refunds"] })
    const { lastResponse: _ignored, ...fields } = viaGet as unknown as Record<string, unknown>
    expect(sample).toEqual(fields)
    // Past a first page the dump holds every refund where a GET holds the first 10 and has_more.
    const specimen = charges.find((charge) => charge["id"] === seeded.samples.chargeWithManyRefunds)!
    const specimenViaGet = await stripe.charges.retrieve(String(specimen["id"]), { expand: ["refunds"] })
    const specimenRefunds = specimen["refunds"] as NestedList
    expect(specimenRefunds.data).toHaveLength(12)
    expect(specimenViaGet.refunds?.has_more).toBe(true)
    expect(specimenRefunds.data.slice(0, 10).map((refund) => refund.id)).toEqual(specimenViaGet.refunds?.data.map((refund) => refund.id))
    const unknown = await emulator.admin().dump({ expand: ["charge.nothing"] }).catch((error: unknown) => error)
    expect(unknown).toMatchObject({ status: 400 })
  })

  it("dumps each object exactly as GET returns it (apart from whole nested lists)", async () => {
    const stripe = stripeFor(emulator)
    const customer = await stripe.customers.retrieve(String(objectsOf("customer")[3]?.["id"]))
    const { lastResponse: _ignored, ...fields } = customer as unknown as Record<string, unknown>
    expect(objectsOf("customer")[3]).toEqual(fields)
  })

  it("leaves deleted objects out, or lists them as stubs on request", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const kept = await stripe.customers.create({ email: "kept@example.com" })
    const gone = await stripe.customers.create({ email: "gone@example.com" })
    await stripe.customers.del(gone.id)
    const plain = await admin.dump()
    expect((plain["customer"] ?? []).map((customer) => (customer as { id: string }).id)).toEqual([kept.id])
    const withDeleted = await admin.dump({ includeDeleted: true })
    expect(withDeleted["customer"]).toContainEqual({ id: gone.id, object: "customer", deleted: true })
  })

  it("is deterministic: the same seed gives the same data, and the same emulator seed the same ids", async () => {
    const one = await freshAccount(emulator)
    const two = await freshAccount(emulator)
    const first = await one.admin.seed({ customers: 8, seed: 7, events: false })
    const second = await two.admin.seed({ customers: 8, seed: 7, events: false })
    expect(second.counts).toEqual(first.counts)
    const twin = await startEmulator()
    try {
      await twin.admin().seed({ customers: 60 })
      const twinDump = await twin.admin().dump()
      expect(twin.apiKeys).toEqual(emulator.apiKeys)
      const ids = (collection: string, source: Dump) => (source[collection] ?? []).map((object) => (object as { id: string }).id).sort()
      expect(ids("product", twinDump)).toEqual(ids("product", dump))
      expect(ids("price", twinDump)).toEqual(ids("price", dump))
    } finally {
      await twin.stop()
    }
  })

  it("seeds an account once: the same seed again answers the same summary, another one is refused", async () => {
    const { admin } = await freshAccount(emulator)
    const first = await admin.seed({ customers: 8, events: false })
    const before = await admin.stats()
    expect(await admin.seed({ customers: 8, events: false })).toEqual(first)
    const other = await admin.seed({ customers: 9, events: false }).catch((error: unknown) => error)
    expect(other).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", param: "customers" } } })
    expect(JSON.stringify((other as { body: unknown }).body)).toContain("already seeded")
    expect(await admin.stats()).toEqual(before)
  })

  it("mutates at a rate, recording events for every change", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    await admin.seed({ customers: 10, events: false })
    const run = await admin.mutate({ ratePerSecond: 500, count: 60, wait: true })
    expect(run).toMatchObject({ status: "completed", performed: 60, errors: 0 })
    expect((await stripe.events.list({ limit: 100 })).data.length).toBeGreaterThan(30)
    const background = await admin.mutate({ ratePerSecond: 200, durationMs: 60_000 })
    await eventually(async () => ((await admin.mutation(background.id)).performed >= 20 ? true : undefined))
    const stopped = await admin.stopMutation(background.id)
    expect(stopped.status).toBe("stopped")
    expect(stopped.errors).toBe(0)
  })

  it("authenticates with the account's key and scopes to it", async () => {
    const stranger = emulator.admin("sk_test_unknown")
    await expect(stranger.stats()).rejects.toMatchObject({ status: 401 })
    const { admin } = await freshAccount(emulator)
    const run = await emulator.admin().mutate({ ratePerSecond: 10, count: 1 })
    await expect(admin.mutation(run.id)).rejects.toMatchObject({ status: 404 })
  })
})

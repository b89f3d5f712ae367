/**
 * Two emulators started with the same seed, as `npm run up` starts one run after another: the
 * seeded account is the same, but what is made while serving must get ids no earlier process
 * handed out, as Stripe never reuses an id. Otherwise a customer created after a restart takes the
 * id of one created (and since deleted) in the previous run, and a sync of both runs merges them.
 */
import type Stripe from "stripe"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { EmulatorOptions } from "../src/index.js"
import { startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

/** An invoice finalized now, for its number. */
const finalizedInvoice = async (stripe: Stripe, customer: string): Promise<Stripe.Invoice> =>
  stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer })).id)

/**
 * What one emulator hands out while serving: ids of an object, its event, the request, a key, an
 * account, and an invoice number (Stripe never repeats one either).
 */
const runtimeIds = async (emulator: RunningEmulator): Promise<ReadonlyArray<string>> => {
  const stripe = stripeFor(emulator)
  const customer = await stripe.customers.create({ email: "after-restart@example.com" })
  const events = await stripe.events.list({ type: "customer.created", limit: 100 })
  const event = events.data.find((candidate) => (candidate.data.object as { id?: string }).id === customer.id)
  const connected = await stripe.accounts.create({ type: "custom" })
  const key = await emulator.admin().createApiKey()
  const invoice = await finalizedInvoice(stripe, customer.id)
  return [customer.id, customer.invoice_prefix ?? "", event?.id ?? "", customer.lastResponse.requestId, connected.id, key.apiKey, key.accountId, invoice.number ?? ""]
}

const twins = async (options: EmulatorOptions): Promise<readonly [RunningEmulator, RunningEmulator]> => {
  const one = await startEmulator({ customers: 12, ...options })
  const two = await startEmulator({ customers: 12, ...options }).catch(async (error: unknown) => {
    await one.stop()
    throw error
  })
  return [one, two]
}

describe("ids across emulator processes", () => {
  // Seeded history is laid out back from "now": both seed at the same (frozen) second, so their dumps can be compared whole.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-03-02T10:00:00Z") })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it("never repeats an id made while serving, while the seeded account is the same", async () => {
    const [one, two] = await twins({})
    try {
      expect(two.apiKeys).toEqual(one.apiKeys)
      expect(two.accounts).toEqual(one.accounts)
      expect(two.seeded.map((summary) => summary.samples)).toEqual(one.seeded.map((summary) => summary.samples))
      expect(await two.admin().dump({ includeDeleted: true })).toEqual(await one.admin().dump({ includeDeleted: true }))

      const first = await runtimeIds(one)
      const second = await runtimeIds(two)
      for (const [index, id] of first.entries()) {
        expect(id).not.toBe("")
        expect(second[index], `runtime id ${id}`).not.toBe(id)
      }
    } finally {
      await Promise.all([one.stop(), two.stop()])
    }
  })

  it("seeds the same ids and invoice numbers through the admin API whatever was served before", async () => {
    const [one, two] = await twins({ customers: 0 })
    try {
      const served = await stripeFor(two).customers.create({ email: "before-the-seed@example.com" })
      const servedInvoice = await finalizedInvoice(stripeFor(two), served.id)
      const [first, second] = await Promise.all([one.admin().seed({ customers: 8 }), two.admin().seed({ customers: 8 })])
      expect(second.samples).toEqual(first.samples)
      const dumps = await Promise.all([one.admin().dump(), two.admin().dump()])
      const notServed = (object: unknown) => ![served.id, servedInvoice.id].includes((object as { id: string }).id)
      const [ofOne, ofTwo] = dumps.map((dump) => Object.values(dump).flat().filter(notServed).map((object) => (object as { id: string }).id))
      expect(ofTwo).toEqual(ofOne)
      const [numbersOfOne, numbersOfTwo] = dumps.map((dump) => (dump["invoice"] ?? []).filter(notServed).map((invoice) => (invoice as { number: string | null }).number))
      expect(numbersOfOne?.some((number) => number !== null)).toBe(true)
      expect(numbersOfTwo).toEqual(numbersOfOne)
    } finally {
      await Promise.all([one.stop(), two.stop()])
    }
  })

  it("repeats them on request (deterministicIds), for tests that compare ids across emulators", async () => {
    const [one, two] = await twins({ deterministicIds: true })
    try {
      expect(await two.admin().dump({ includeDeleted: true })).toEqual(await one.admin().dump({ includeDeleted: true }))
      expect(await runtimeIds(two)).toEqual(await runtimeIds(one))
    } finally {
      await Promise.all([one.stop(), two.stop()])
    }
  })
})

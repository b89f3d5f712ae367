import type Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure, freshAccount, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.stop())

const TEN_DAYS = 10 * 86_400

/** The HTTP `Date` header of a response, in Unix seconds. */
const dateOf = (headers: Readonly<Record<string, string>> | undefined): number => Date.parse(headers?.["date"] ?? "") / 1000

const createCustomer = async (stripe: Stripe): Promise<{ readonly created: number; readonly date: number }> => {
  const customer = await stripe.customers.create({ email: "clock@example.com" })
  return { created: customer.created, date: dateOf(customer.lastResponse.headers) }
}

/** `created` and `Date` come from one clock, read microseconds apart: at most a second boundary between them. */
const expectSameClock = ({ created, date }: { readonly created: number; readonly date: number }): void => {
  expect(date).toBeGreaterThanOrEqual(created)
  expect(date - created).toBeLessThanOrEqual(2)
}

describe("the emulator clock", () => {
  it("dates every /v1 response by the clock of the key that made it, as it dates `created`", async () => {
    const { stripe, admin } = await freshAccount(emulator)
    const before = await createCustomer(stripe)
    expectSameClock(before)

    const { now } = await admin.advanceClock(TEN_DAYS)
    const after = await createCustomer(stripe)
    expectSameClock(after)
    expect(after.date).toBeGreaterThanOrEqual(now)
    expect(after.date - before.date).toBeGreaterThanOrEqual(TEN_DAYS)

    const missing = await failure(stripe.customers.retrieve("cus_missing"))
    expect(missing.statusCode).toBe(404)
    expect(dateOf(missing.headers)).toBeGreaterThanOrEqual(now)
  })

  it("dates a refused unparsable body by the key's clock too, after authenticating it", async () => {
    const { admin, apiKey } = await freshAccount(emulator)
    const { now } = await admin.advanceClock(TEN_DAYS)
    // The SDK never sends a malformed JSON body, so this one request is made by hand.
    const post = (authorization: string) =>
      fetch(`${emulator.url}/v1/customers`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: "{not json" })
    const refused = await post(`Bearer ${apiKey}`)
    expect(refused.status).toBe(400)
    expect(dateOf(Object.fromEntries(refused.headers))).toBeGreaterThanOrEqual(now)
    expect((await post("Bearer sk_test_unknown")).status).toBe(401)
  })

  it("moves connected accounts with their platform's key, and no other key", async () => {
    const { stripe, admin, apiKey } = await freshAccount(emulator)
    const connected = await stripe.accounts.create({ type: "custom", country: "US", email: "shop@example.com" })
    const { now } = await admin.advanceClock(TEN_DAYS)
    const asConnected = await createCustomer(stripeFor(emulator, { apiKey, stripeAccount: connected.id }))
    expectSameClock(asConnected)
    expect(asConnected.date).toBeGreaterThanOrEqual(now)

    const untouched = await createCustomer(stripeFor(emulator))
    expectSameClock(untouched)
    expect(Math.abs(untouched.date - Date.now() / 1000)).toBeLessThan(60)
  })
})

import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: 2 })
})
afterAll(() => emulator.stop())

describe("authentication and accounts", () => {
  it("refuses a bad key with a 401 authentication error", async () => {
    const error = await failure(stripeFor(emulator, { apiKey: "sk_test_not_a_real_key" }).customers.list())
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError)
    expect(error.statusCode).toBe(401)
    expect(error.type).toBe("StripeAuthenticationError")
    expect(error.raw).toMatchObject({ type: "authentication_error" })
  })

  it("keeps each key's data apart", async () => {
    const [first = "", second = ""] = emulator.apiKeys
    const created = await stripeFor(emulator, { apiKey: first }).customers.create({ email: "only-first@example.com" })
    const other = stripeFor(emulator, { apiKey: second })
    expect((await other.customers.list()).data.map((customer) => customer.id)).not.toContain(created.id)
    const error = await failure(other.customers.retrieve(created.id))
    expect(error.statusCode).toBe(404)
  })

  it("gives each connected account (Stripe-Account) its own data", async () => {
    const platform = stripeFor(emulator)
    const connected = await platform.accounts.create({ type: "custom", country: "US", email: "shop@example.com" })
    expect(connected.id).toMatch(/^acct_/)
    const asConnected = stripeFor(emulator, { stripeAccount: connected.id })
    const customer = await asConnected.customers.create({ email: "connected@example.com" })
    expect((await asConnected.customers.retrieve(customer.id)).id).toBe(customer.id)
    expect((await platform.customers.list({ limit: 100 })).data.map((c) => c.id)).not.toContain(customer.id)
    const events = await asConnected.events.list({ type: "customer.created" })
    expect(events.data[0]?.account).toBe(connected.id)
    expect((await platform.accounts.list()).data.map((account) => account.id)).toContain(connected.id)
  })

  it("refuses an account the key does not own with a 403", async () => {
    const error = await failure(stripeFor(emulator, { stripeAccount: "acct_1NotConnected0000" }).customers.list())
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError)
    expect(error.code).toBe("account_invalid")
  })

  it("answers unknown routes like Stripe", async () => {
    const error = await failure(stripeFor(emulator).rawRequest("GET", "/v1/no_such_thing", {}))
    expect(error.statusCode).toBe(404)
    expect(error.message).toContain("Unrecognized request URL")
  })
})

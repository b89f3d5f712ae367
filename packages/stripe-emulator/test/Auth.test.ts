import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure, freshAccount, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

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

  it("refuses a revoked key until it is restored, counting the refusals, and rolls a key for the same account", async () => {
    const { stripe, admin, apiKey } = await freshAccount(emulator)
    const customer = await stripe.customers.create({ email: "kept@example.com" })
    expect(await admin.revokeKey()).toEqual({ revoked: true, refusedRequests: 0 })
    const refused = await failure(stripe.customers.list())
    expect(refused).toBeInstanceOf(Stripe.errors.StripeAuthenticationError)
    expect(refused.code).toBe("api_key_expired")
    expect(refused.message).not.toContain(apiKey)
    await failure(stripe.customers.retrieve(customer.id))
    // The admin API still takes the revoked key, so a test can count and restore.
    expect(await admin.key()).toEqual({ revoked: true, refusedRequests: 2 })
    expect(await admin.restoreKey()).toEqual({ revoked: false, refusedRequests: 2 })
    expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id)

    const rolled = await admin.rollKey()
    expect(rolled.apiKey).not.toBe(apiKey)
    expect((await failure(stripe.customers.list())).code).toBe("api_key_expired")
    const withNewKey = stripeFor(emulator, { apiKey: rolled.apiKey })
    expect((await withNewKey.customers.retrieve(customer.id)).id).toBe(customer.id)
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

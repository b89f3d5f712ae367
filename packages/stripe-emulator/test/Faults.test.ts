import Stripe from "stripe"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { failure, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ rateLimitPerSecond: 100 })
})
afterEach(async () => {
  await emulator.admin().resetFaults()
  await emulator.admin().setRateLimit(100)
})
afterAll(() => emulator.stop())

describe("rate limits and faults", () => {
  it("raises StripeRateLimitError (429 rate_limit) over the per-second budget", async () => {
    await emulator.admin().setRateLimit(5)
    const stripe = stripeFor(emulator)
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => stripe.customers.list({ limit: 1 })))
    const errors = results.flatMap((result) => (result.status === "rejected" ? [result.reason as InstanceType<typeof Stripe.errors.StripeError>] : []))
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.length).toBeLessThan(30)
    for (const error of errors) {
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError)
      expect(error.statusCode).toBe(429)
      expect(error.code).toBe("rate_limit")
    }
  })

  it("answers lock_timeout 429s with Stripe-Should-Retry: true, which the SDK retries", async () => {
    await emulator.admin().faults({ lockTimeoutRate: 1 })
    const error = await failure(stripeFor(emulator).customers.create({ email: "locked@example.com" }))
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError)
    expect(error.code).toBe("lock_timeout")
    expect(error.headers?.["stripe-should-retry"]).toBe("true")
    // Reads are not locked.
    await stripeFor(emulator).customers.list()
  })

  it("injects 5xx errors as StripeAPIError, and the SDK's retries ride them out", async () => {
    const admin = emulator.admin()
    await admin.faults({ errorRate5xx: 1, errorStatus: 503 })
    const error = await failure(stripeFor(emulator).customers.list())
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError)
    expect(error.statusCode).toBe(503)
    await admin.faults({ errorRate5xx: 0.5 })
    const patient = stripeFor(emulator, { maxNetworkRetries: 8 })
    for (let attempt = 0; attempt < 5; attempt++) expect((await patient.customers.list()).object).toBe("list")
  })

  it("throws 429 storms regardless of budget, for a while", async () => {
    await emulator.admin().faults({ rateLimitStormMs: 60_000 })
    expect((await failure(stripeFor(emulator).customers.list())).code).toBe("rate_limit")
    const view = await emulator.admin().resetFaults()
    expect(view.rateLimitStormRemainingMs).toBe(0)
    await stripeFor(emulator).customers.list()
  })

  it("slows responses down", async () => {
    await emulator.admin().faults({ slowMs: 150 })
    const started = performance.now()
    await stripeFor(emulator).customers.list()
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  it("answers the objects it is told to malformed, without their object field, in lists and on retrieval", async () => {
    const stripe = stripeFor(emulator)
    const [bad, good] = await Promise.all([stripe.customers.create({ email: "bad@example.com" }), stripe.customers.create({ email: "good@example.com" })])
    await emulator.admin().faults({ malformedIds: [bad.id] })
    const listed = await stripe.customers.list({ limit: 100 })
    expect(listed.data.find((c) => c.id === bad.id)).not.toHaveProperty("object")
    expect(listed.data.find((c) => c.id === good.id)).toHaveProperty("object", "customer")
    expect(await stripe.customers.retrieve(bad.id)).not.toHaveProperty("object")
    await emulator.admin().resetFaults()
    expect(await stripe.customers.retrieve(bad.id)).toHaveProperty("object", "customer")
  })

  it("reports and merges fault settings", async () => {
    const admin = emulator.admin()
    await admin.faults({ errorRate5xx: 0.1 })
    const merged = await admin.faults({ slowMs: 5 })
    expect(merged).toMatchObject({ errorRate5xx: 0.1, slowMs: 5, lockTimeoutRate: 0 })
    const invalid = await admin.faults({ errorRate5xx: 2 }).catch((error: unknown) => error)
    expect(invalid).toMatchObject({ status: 400 })
  })
})

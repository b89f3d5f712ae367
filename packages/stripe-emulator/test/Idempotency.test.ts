import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure, startEmulator, stripeFor, type RunningEmulator } from "./support/Harness.js"

let emulator: RunningEmulator
let stripe: Stripe

beforeAll(async () => {
  emulator = await startEmulator()
  stripe = stripeFor(emulator)
})
afterAll(() => emulator.stop())

describe("Idempotency-Key", () => {
  it("replays the first response for the same key and parameters", async () => {
    const first = await stripe.customers.create({ email: "once@example.com" }, { idempotencyKey: "replay-1" })
    const second = await stripe.customers.create({ email: "once@example.com" }, { idempotencyKey: "replay-1" })
    expect(second.id).toBe(first.id)
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true")
    expect((await stripe.customers.list({ email: "once@example.com" })).data).toHaveLength(1)
    expect((await stripe.events.list({ type: "customer.created" })).data.filter((event) => event.request?.idempotency_key === "replay-1")).toHaveLength(1)
  })

  it("refuses the same key with other parameters (StripeIdempotencyError)", async () => {
    await stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "replay-2" })
    const error = await failure(stripe.customers.create({ email: "b@example.com" }, { idempotencyKey: "replay-2" }))
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError)
    expect(error.statusCode).toBe(400)
  })

  it("answers 409 to a concurrent duplicate while the first is still running", async () => {
    const admin = emulator.admin()
    await admin.faults({ slowMs: 300 })
    try {
      const results = await Promise.allSettled([
        stripe.customers.create({ email: "race@example.com" }, { idempotencyKey: "race-1" }),
        stripe.customers.create({ email: "race@example.com" }, { idempotencyKey: "race-1" })
      ])
      const rejected = results.filter((result): result is PromiseRejectedResult => result.status === "rejected")
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1)
      expect(rejected).toHaveLength(1)
      const error = rejected[0]?.reason as InstanceType<typeof Stripe.errors.StripeError>
      expect(error.statusCode).toBe(409)
      expect(error.rawType).toBe("idempotency_error")
    } finally {
      await admin.resetFaults()
    }
    // Once the first has finished, a retry with the key is a replay.
    const replay = await stripe.customers.create({ email: "race@example.com" }, { idempotencyKey: "race-1" })
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true")
  })

  it("does not save a request that failed validation", async () => {
    await failure(stripe.customers.create({ email: "broken" }, { idempotencyKey: "replay-3" }))
    const fixed = await stripe.customers.create({ email: "broken@example.com" }, { idempotencyKey: "replay-3" })
    expect(fixed.email).toBe("broken@example.com")
  })

  it("replays a card decline, which Stripe saves", async () => {
    const params = { amount: 1_000, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true }
    const first = await failure(stripe.paymentIntents.create(params, { idempotencyKey: "decline-1" }))
    const second = await failure(stripe.paymentIntents.create(params, { idempotencyKey: "decline-1" }))
    expect(second).toBeInstanceOf(Stripe.errors.StripeCardError)
    expect(second.headers?.["idempotent-replayed"]).toBe("true")
    expect(second.message).toBe(first.message)
  })
})

import { describe, expect, it } from "vitest"
import { UpstreamErrors } from "@tributary/core"
import * as Backoff from "../src/budget/Backoff.js"

describe("Backoff.delay", () => {
  it("waits between half the exponential bound and the bound (equal jitter)", () => {
    expect(Backoff.delay(Backoff.patient, 1, 0)).toBe(500)
    expect(Backoff.delay(Backoff.patient, 1, 1)).toBe(1_000)
    expect(Backoff.delay(Backoff.patient, 3, 0)).toBe(2_000)
    expect(Backoff.delay(Backoff.patient, 3, 1)).toBe(4_000)
  })

  it("stops doubling at the policy's ceiling", () => {
    expect(Backoff.delay(Backoff.patient, 20, 1)).toBe(30_000)
    expect(Backoff.delay(Backoff.patient, 20, 0)).toBe(15_000)
    expect(Backoff.delay(Backoff.prompt, 20, 1)).toBe(5_000)
  })
})

describe("Backoff.attemptAfterRun", () => {
  it("goes on with the back-off after a short run, and starts it again after one as long as the longest wait", () => {
    expect(Backoff.attemptAfterRun(Backoff.patient, 4, 29_999)).toBe(4)
    expect(Backoff.attemptAfterRun(Backoff.patient, 4, 30_000)).toBe(1)
  })
})

describe("Backoff.forError", () => {
  const rateLimited = (fields: { shouldRetry?: boolean; retryAfterMs?: number } = {}) =>
    new UpstreamErrors.UpstreamRateLimited({ source: "stripe", detail: "rate_limit", ...fields })

  it("retries quickly when Stripe-Should-Retry says so, patiently otherwise, and never gives up", () => {
    expect(Backoff.forError(rateLimited({ shouldRetry: true }), 10, 1)).toBe(5_000)
    expect(Backoff.forError(rateLimited({ shouldRetry: false }), 10, 1)).toBe(30_000)
    expect(Backoff.forError(rateLimited(), 10, 1)).toBe(30_000)
    const unavailable = new UpstreamErrors.UpstreamUnavailable({ source: "stripe", sent: true, status: 503, shouldRetry: true, detail: "boom" })
    expect(Backoff.forError(unavailable, 1, 1)).toBe(500)
    // However many attempts: a wait, never a refusal.
    expect(Backoff.forError(rateLimited(), 1_000, 0)).toBe(15_000)
  })

  it("waits as long as Retry-After says", () => {
    expect(Backoff.forError(rateLimited({ retryAfterMs: 2_000, shouldRetry: true }), 1, 0)).toBe(2_000)
  })
})

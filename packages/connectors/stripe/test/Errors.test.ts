import Stripe from "stripe"
import { describe, expect, it } from "vitest"
import { Errors } from "../src/index.js"

const raw = (statusCode: number, extra: { code?: string; param?: string; headers?: Record<string, string> } = {}) => ({
  message: "boom",
  statusCode,
  type: "api_error" as const,
  headers: {},
  ...extra
})

describe("Errors.toUpstreamError", () => {
  it("keys on the status and Stripe's code", () => {
    expect(Errors.toUpstreamError(new Stripe.errors.StripeRateLimitError(raw(429, { code: "rate_limit" })))._tag).toBe("UpstreamRateLimited")
    expect(Errors.toUpstreamError(new Stripe.errors.StripeAuthenticationError(raw(401)))._tag).toBe("UpstreamAuthFailed")
    expect(Errors.toUpstreamError(new Stripe.errors.StripeAPIError(raw(503)))._tag).toBe("UpstreamUnavailable")
    expect(Errors.toUpstreamError(new Stripe.errors.StripeConnectionError({ message: "reset" }))._tag).toBe("UpstreamUnavailable")
    expect(Errors.toUpstreamError(new Stripe.errors.StripeInvalidRequestError(raw(400, { code: "parameter_invalid_string", param: "email" }))))
      .toMatchObject({ _tag: "UpstreamRejected", status: 400, code: "parameter_invalid_string", param: "email" })
  })

  it("carries Stripe-Should-Retry on lock timeouts", () => {
    const error = new Stripe.errors.StripeRateLimitError(raw(429, { code: "lock_timeout", headers: { "stripe-should-retry": "true" } }))
    expect(Errors.toUpstreamError(error)).toMatchObject({ _tag: "UpstreamRateLimited", shouldRetry: true })
  })

  it("tells a connection that never opened (nothing sent) from one that broke (maybe sent)", () => {
    const refused = new Stripe.errors.StripeConnectionError({ message: "connect failed", detail: { code: "ECONNREFUSED" } })
    expect(Errors.toUpstreamError(refused)).toMatchObject({ _tag: "UpstreamUnavailable", sent: false })
    const reset = new Stripe.errors.StripeConnectionError({ message: "socket hang up", detail: { code: "ECONNRESET" } })
    expect(Errors.toUpstreamError(reset)).toMatchObject({ _tag: "UpstreamUnavailable", sent: true })
  })

  it("recognises a missing object", () => {
    expect(Errors.isMissing(Errors.toUpstreamError(new Stripe.errors.StripeInvalidRequestError(raw(404, { code: "resource_missing" }))))).toBe(true)
  })
})

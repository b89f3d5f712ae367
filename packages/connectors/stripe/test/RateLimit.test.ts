import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { RateLimit, StripeConnector } from "../src/index.js"

const endpoint = (apiKey: string, apiBaseUrl?: string) => ({ apiKey: Redacted.make(apiKey), apiBaseUrl })
const share = { share: 0.8 }

describe("RateLimit", () => {
  it("follows the key's mode on api.stripe.com: 25 req/s in test mode, 100 in live mode", () => {
    expect(RateLimit.shape(share, endpoint("sk_test_abc"))).toEqual({ requests: 25, windowMs: 1000 })
    expect(RateLimit.shape(share, endpoint("rk_test_abc"))).toEqual({ requests: 25, windowMs: 1000 })
    expect(RateLimit.shape(share, endpoint("sk_live_abc"))).toEqual({ requests: 100, windowMs: 1000 })
    expect(RateLimit.shape(share, endpoint("rk_live_abc"))).toEqual({ requests: 100, windowMs: 1000 })
    expect(RateLimit.shape(share, endpoint("sk_test_abc", "https://api.stripe.com"))).toMatchObject({ requests: 25 })
    expect(RateLimit.shape(share, endpoint("sk_live_abc", "https://api.stripe.com/"))).toMatchObject({ requests: 100 })
  })

  it("gives another endpoint (the emulator) 100 req/s, whatever the key", () => {
    expect(RateLimit.shape(share, endpoint("sk_test_abc", "http://127.0.0.1:12111"))).toMatchObject({ requests: 100 })
    expect(RateLimit.shape(share, endpoint("sk_live_abc", "https://stripe.internal.example"))).toMatchObject({ requests: 100 })
  })

  it("lets a configured quota win", () => {
    expect(RateLimit.shape({ quota_per_second: 60, share: 1 }, endpoint("sk_test_abc"))).toMatchObject({ requests: 60 })
    expect(RateLimit.shape({ quota_per_second: 10, share: 1 }, endpoint("sk_live_abc", "http://127.0.0.1:12111"))).toMatchObject({ requests: 10 })
  })

  it("is the connector's rate limit", () => {
    expect(StripeConnector.make().rateLimit(share, endpoint("sk_test_abc"))).toEqual({ requests: 25, windowMs: 1000 })
  })
})

/**
 * Stripe's request limit for a sync: 100 requests per second in live mode, 25 in test mode
 * (`sk_test_…`/`rk_test_…` keys), per account. Those are api.stripe.com's figures; any
 * other endpoint (the emulator, whose default limit is 100, or a gateway in front of
 * Stripe) gets 100 unless the sync's budget says otherwise. A quota set in the budget
 * always wins.
 */
import type { Connector, SyncConfig } from "@tributary/core"
import { Redacted } from "effect"

export const LIVE_MODE_PER_SECOND = 100
export const TEST_MODE_PER_SECOND = 25
/** An endpoint other than api.stripe.com. */
export const OTHER_ENDPOINT_PER_SECOND = 100

const PUBLIC_HOST = "api.stripe.com"

/** Stripe's test-mode keys: secret and restricted. */
export const isTestModeKey = (apiKey: string): boolean => apiKey.startsWith("sk_test_") || apiKey.startsWith("rk_test_")

export const isPublicEndpoint = (apiBaseUrl: string | undefined): boolean => {
  if (apiBaseUrl === undefined) return true
  try {
    return new URL(apiBaseUrl).hostname === PUBLIC_HOST
  } catch {
    return false
  }
}

/** Requests per second Stripe allows this key at this endpoint. */
export const defaultQuota = (endpoint: Connector.RateLimitEndpoint): number => {
  if (!isPublicEndpoint(endpoint.apiBaseUrl)) return OTHER_ENDPOINT_PER_SECOND
  return isTestModeKey(Redacted.value(endpoint.apiKey)) ? TEST_MODE_PER_SECOND : LIVE_MODE_PER_SECOND
}

export const shape = (budget: SyncConfig.RateBudget, endpoint: Connector.RateLimitEndpoint): Connector.RateLimitShape => ({
  requests: budget.quota_per_second ?? defaultQuota(endpoint),
  windowMs: 1000
})

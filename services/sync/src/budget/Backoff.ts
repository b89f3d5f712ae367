/**
 * How long to wait before retrying an upstream request. When the API says a retry is
 * safe and expected (`Stripe-Should-Retry: true`, e.g. a lock timeout) we retry quickly,
 * as the SDK would; otherwise we back off further. A sync reads, so it never gives up.
 */
import type { UpstreamErrors } from "@tributary/core"

export interface Policy {
  readonly baseMs: number
  readonly maxMs: number
}

export const prompt: Policy = { baseMs: 500, maxMs: 5_000 }
export const patient: Policy = { baseMs: 1_000, maxMs: 30_000 }

/**
 * "Equal jitter": a uniform wait between half the exponential bound and the bound, so
 * retries spread out while each still waits at least half its step (full jitter, uniform
 * from 0, would let some retry almost at once).
 */
export const delay = (policy: Policy, attempt: number, random: number = Math.random()): number =>
  Math.round(Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1)) * (0.5 + random / 2))

/**
 * Which attempt a failure counts as: the same as the one that failed when it failed soon, the
 * first again when it ran at least as long as the policy's longest wait (it was healthy, so the
 * failure starts a new episode, not the old one's next step).
 */
export const attemptAfterRun = (policy: Policy, attempt: number, ranMs: number): number => ranMs >= policy.maxMs ? 1 : attempt

export const forError = (
  error: UpstreamErrors.UpstreamRateLimited | UpstreamErrors.UpstreamUnavailable,
  attempt: number,
  random?: number
): number => {
  if (error._tag === "UpstreamRateLimited" && error.retryAfterMs !== undefined) return error.retryAfterMs
  return delay(error.shouldRetry === true ? prompt : patient, attempt, random)
}

/**
 * The request budget of one sync: a token bucket in its "virtual scheduling" form (GCRA).
 * Each request reserves the next free slot, so callers are served in order at exactly the
 * rate, with a small burst. Pure: time comes in as an argument.
 */
export interface TokenBucket {
  /** ms between two tokens. */
  readonly intervalMs: number
  /** How far ahead of the steady rate a burst may run (ms). */
  readonly toleranceMs: number
  /** Theoretical arrival time of the next token (local ms). */
  readonly nextAt: number
}

export const make = (perSecond: number, burst: number, now: number): TokenBucket => {
  const intervalMs = 1000 / perSecond
  return { intervalMs, toleranceMs: Math.max(0, burst - 1) * intervalMs, nextAt: now }
}

/** Reserve one token: how long to wait before using it, and the bucket after. */
export const take = (bucket: TokenBucket, now: number): { readonly waitMs: number; readonly bucket: TokenBucket } => {
  const arrival = Math.max(bucket.nextAt, now)
  return {
    waitMs: Math.max(0, arrival - bucket.toleranceMs - now),
    bucket: { ...bucket, nextAt: arrival + bucket.intervalMs }
  }
}

/** Give no token before `until`: the upstream said we are over its limit. */
export const pauseUntil = (bucket: TokenBucket, until: number): TokenBucket => ({
  ...bucket,
  nextAt: Math.max(bucket.nextAt, until + bucket.toleranceMs)
})

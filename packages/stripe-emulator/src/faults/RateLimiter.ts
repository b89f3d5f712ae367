/**
 * A per-key request budget (token bucket): `perSecond` requests, refilled continuously, with a burst
 * of one second's worth. Stripe's limiter is a similar bucket; `0` turns the limit off (benchmarks).
 */
export class RateLimiter {
  private tokens: number
  private lastRefillMs = Date.now()

  constructor(private perSecondBudget: number) {
    this.tokens = perSecondBudget
  }

  get perSecond(): number {
    return this.perSecondBudget
  }

  /** A new budget starts with a full bucket, so a test that lowered it leaves no debt behind. */
  setPerSecond(perSecond: number): void {
    this.perSecondBudget = perSecond
    this.tokens = perSecond
    this.lastRefillMs = Date.now()
  }

  tryTake(nowMs: number): boolean {
    if (this.perSecondBudget <= 0) return true
    const elapsed = nowMs - this.lastRefillMs
    this.lastRefillMs = nowMs
    this.tokens = Math.min(this.perSecondBudget, this.tokens + (elapsed * this.perSecondBudget) / 1000)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

import { bodyText, type Body } from "../http/Body.js"
import type { Random } from "../internal/Random.js"

/**
 * Misbehaviour a test can switch on for one API key (and its connected accounts): failed requests,
 * rate-limit storms, lock timeouts, latency, and Stripe's eventually consistent `/v1/events`.
 * Every switch is off by default, and the admin API only ever changes what it is given.
 */
export interface FaultSettings {
  /** Share (0–1) of `/v1` requests answered with `errorStatus` and an `api_error`. */
  readonly errorRate5xx: number
  readonly errorStatus: number
  /** Share (0–1) of writes answered 429 `lock_timeout` with `Stripe-Should-Retry: true`. */
  readonly lockTimeoutRate: number
  /** Wall-clock ms until which a share of requests get 429 `rate_limit` regardless of budget. */
  readonly rateLimitStormUntilMs: number
  readonly rateLimitStormShare: number
  /** Added before a request runs (so a slow request holds its idempotency key meanwhile). */
  readonly slowMs: number
  /** New events become listable only after up to this many ms (retrieval by id is immediate). */
  readonly eventListingDelayMs: number
  /** Share (0–1) of new events that get the delay. */
  readonly eventListingDelayShare: number
  /** Random delay in [0, delay] rather than exactly the delay, so events overtake each other. */
  readonly eventListingJitter: boolean
  /** Objects `/v1` answers malformed (without their `object` field), in lists and on retrieval. */
  readonly malformedIds: ReadonlyArray<string>
}

export const NO_FAULTS: FaultSettings = {
  errorRate5xx: 0,
  errorStatus: 500,
  lockTimeoutRate: 0,
  rateLimitStormUntilMs: 0,
  rateLimitStormShare: 1,
  slowMs: 0,
  eventListingDelayMs: 0,
  eventListingDelayShare: 1,
  eventListingJitter: true,
  malformedIds: []
}

/** What the admin API accepts: storms are given as a duration from now. */
export interface FaultsPatch {
  readonly errorRate5xx?: number
  readonly errorStatus?: number
  readonly lockTimeoutRate?: number
  readonly rateLimitStormMs?: number
  readonly rateLimitStormShare?: number
  readonly slowMs?: number
  readonly eventListingDelayMs?: number
  readonly eventListingDelayShare?: number
  readonly eventListingJitter?: boolean
  readonly malformedIds?: ReadonlyArray<string>
}

/** What the admin API reports. */
export interface FaultsView extends Omit<FaultSettings, "rateLimitStormUntilMs"> {
  readonly rateLimitStormRemainingMs: number
}

export class Faults {
  private settings: FaultSettings = NO_FAULTS

  constructor(private readonly random: Random) {}

  apply(patch: FaultsPatch, nowMs: number): FaultsView {
    const { rateLimitStormMs, ...rest } = patch
    this.settings = {
      ...this.settings,
      ...rest,
      ...(rateLimitStormMs === undefined ? {} : { rateLimitStormUntilMs: nowMs + rateLimitStormMs })
    }
    return this.view(nowMs)
  }

  reset(nowMs: number): FaultsView {
    this.settings = NO_FAULTS
    return this.view(nowMs)
  }

  view(nowMs: number): FaultsView {
    const { rateLimitStormUntilMs, ...rest } = this.settings
    return { ...rest, rateLimitStormRemainingMs: Math.max(0, rateLimitStormUntilMs - nowMs) }
  }

  inRateLimitStorm(nowMs: number): boolean {
    return nowMs < this.settings.rateLimitStormUntilMs && this.random.chance(this.settings.rateLimitStormShare)
  }

  /** The status of an injected server error, or undefined. */
  serverError(): number | undefined {
    return this.settings.errorRate5xx > 0 && this.random.chance(this.settings.errorRate5xx)
      ? this.settings.errorStatus
      : undefined
  }

  lockTimeout(isWrite: boolean): boolean {
    return isWrite && this.settings.lockTimeoutRate > 0 && this.random.chance(this.settings.lockTimeoutRate)
  }

  get slowMs(): number {
    return this.settings.slowMs
  }

  /**
   * A reply body with the objects named in `malformedIds` made malformed: at the top level (a
   * retrieval) and among a list's `data` (events' payloads stay as recorded). Untouched when
   * the fault is off, so a body is parsed again only when a test asks for it.
   */
  malform(body: Body): Body {
    const ids = this.settings.malformedIds
    if (ids.length === 0) return body
    const parsed: unknown = JSON.parse(bodyText(body))
    const broken = (value: unknown): unknown => {
      if (typeof value !== "object" || value === null || !("id" in value) || !ids.includes(String(value.id))) return value
      const { object: _object, ...rest } = value as Record<string, unknown>
      return rest
    }
    if (typeof parsed === "object" && parsed !== null && "data" in parsed && Array.isArray(parsed.data)) {
      return JSON.stringify({ ...parsed, data: parsed.data.map(broken) })
    }
    return JSON.stringify(broken(parsed))
  }

  /** Wall-clock ms at which an event recorded now becomes listable. */
  eventVisibleAt(nowMs: number): number {
    const { eventListingDelayMs, eventListingDelayShare, eventListingJitter } = this.settings
    if (eventListingDelayMs <= 0 || !this.random.chance(eventListingDelayShare)) return 0
    return nowMs + (eventListingJitter ? Math.round(this.random.next() * eventListingDelayMs) : eventListingDelayMs)
  }
}

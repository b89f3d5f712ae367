/**
 * The client session's `statement_timeout` over a write's wait for the API. In Postgres it
 * bounds the statement; the proxy runs the write's statement elsewhere, so it bounds the
 * part that can take long, the API call: the wait ends at the smaller of it and the
 * proxy's own API timeout, counted from when the proxy started the write. A write whose
 * budget is spent before anything is sent sends nothing. The apply and RETURNING after
 * the API's answer are not cut short: a change the API took is applied.
 */

/** `SHOW statement_timeout` in milliseconds (`0`, `250ms`, `5s`, `2min`, `1h`, `1d`); undefined when off or not understood. */
export const milliseconds = (shown: string | undefined): number | undefined => {
  const match = /^(\d+)\s*(us|ms|s|min|h|d)?$/.exec(shown?.trim() ?? "")
  if (match === null) return undefined
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? "ms"]!
  return ms > 0 ? ms : undefined
}

const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 }

export interface ApiWait {
  /** How long the API may take from now. */
  readonly ms: number
  /** Set when the session's statement_timeout ends the wait (57014), not the proxy's API timeout (58000). */
  readonly statementTimeoutMs?: number
}

/** The wait for the API, `elapsedMs` into the write, given the session's `SHOW statement_timeout`. */
export const apiWait = (apiTimeoutMs: number, shown: string | undefined, elapsedMs: number): ApiWait => {
  const statementTimeoutMs = milliseconds(shown)
  if (statementTimeoutMs === undefined || statementTimeoutMs - elapsedMs >= apiTimeoutMs) return { ms: apiTimeoutMs }
  return { ms: Math.max(0, statementTimeoutMs - elapsedMs), statementTimeoutMs }
}

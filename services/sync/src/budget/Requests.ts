/**
 * The engine's side of every upstream request (`Connector.Requests`): wait for a token of
 * the sync's budget, run, and on a rate limit or an outage wait and run again. A 429 also
 * pauses the whole budget, so the other work items do not pile onto a limit the upstream
 * just reported. Refusals (a bad key, a rejected request) go back to the caller.
 */
import type { Connector, Ids, UpstreamErrors } from "@tributary/core"
import { Effect, FiberRef } from "effect"
import type { SyncMetrics } from "../Metrics.js"
import * as Backoff from "./Backoff.js"
import * as TokenBucket from "./TokenBucket.js"

export interface Budget {
  readonly perSecond: number
  /** Wait for the next token. */
  readonly take: Effect.Effect<void>
  readonly pauseFor: (ms: number) => Effect.Effect<void>
  /** Requests made so far (tokens handed out). */
  readonly taken: () => number
  /** Requests made so far on behalf of `spender` (see `spentFor`). */
  readonly takenFor: (spender: string) => number
}

/**
 * Who the requests of the current fiber (and the fibers it forks) are for: a backfill's work
 * item sets its key around its pages, so the budget tells what each item has cost (the ETA
 * counts in requests). Connectors make their requests without knowing it.
 */
export const spentFor = FiberRef.unsafeMake<string | undefined>(undefined)

export const budget = (perSecond: number, burst: number): Budget => {
  let bucket = TokenBucket.make(perSecond, burst, Date.now())
  let taken = 0
  const bySpender = new Map<string, number>()
  return {
    perSecond,
    take: Effect.flatMap(FiberRef.get(spentFor), (spender) => {
      const reserved = TokenBucket.take(bucket, Date.now())
      bucket = reserved.bucket
      taken++
      if (spender !== undefined) bySpender.set(spender, (bySpender.get(spender) ?? 0) + 1)
      return reserved.waitMs > 0 ? Effect.sleep(reserved.waitMs) : Effect.void
    }),
    pauseFor: (ms) =>
      Effect.sync(() => {
        bucket = TokenBucket.pauseUntil(bucket, Date.now() + ms)
      }),
    taken: () => taken,
    takenFor: (spender) => bySpender.get(spender) ?? 0
  }
}

/**
 * `report` says, for the sync's status, that requests are being retried (the upstream is down,
 * unreachable or rate limiting), and `undefined` at the first success after that: only the
 * logs said it, and the status sat in `pending` or `catching_up` without a reason.
 */
export const make = (
  sync: Ids.SyncId,
  bucket: Budget,
  metrics: SyncMetrics,
  report: (note: string | undefined) => Effect.Effect<void> = () => Effect.void
): Connector.Requests => {
  let troubled = false
  return {
    run: <A>(operation: string, request: Effect.Effect<A, UpstreamErrors.UpstreamError>) =>
      Effect.gen(function*() {
        for (let attempt = 1; ; attempt++) {
          yield* bucket.take
          const result = yield* Effect.either(request)
          if (result._tag === "Right") {
            metrics.requests.inc({ sync, outcome: "ok" })
            if (troubled) {
              troubled = false
              yield* report(undefined)
            }
            return result.right
          }
          const error = result.left
          switch (error._tag) {
            case "UpstreamAuthFailed":
            case "UpstreamRejected":
              metrics.requests.inc({ sync, outcome: "refused" })
              return yield* Effect.fail(error)
            case "UpstreamRateLimited":
            case "UpstreamUnavailable": {
              metrics.requests.inc({ sync, outcome: error._tag === "UpstreamRateLimited" ? "rate_limited" : "unavailable" })
              const wait = Backoff.forError(error, attempt)
              if (error._tag === "UpstreamRateLimited") yield* bucket.pauseFor(Math.min(wait, 1000))
              yield* Effect.logWarning(`${operation}: ${error.message}; retrying in ${wait} ms`).pipe(
                Effect.annotateLogs({ attempt })
              )
              troubled = true
              yield* report(`${operation}: ${error.message}; retrying (attempt ${attempt}, next in ${Math.ceil(wait / 1000)} s)`)
              yield* Effect.sleep(wait)
            }
          }
        }
      })
  }
}

/**
 * The engine's side of every upstream request (`Connector.Requests`): wait for a token of
 * the sync's budget, run, and on a rate limit or an outage wait and run again. A 429 also
 * pauses the whole budget, so the other work items do not pile onto a limit the upstream
 * just reported. Refusals (a bad key, a rejected request) go back to the caller.
 */
import type { Connector, Ids, UpstreamErrors } from "@tributary/core"
import { Effect } from "effect"
import type { SyncMetrics } from "../Metrics.js"
import * as Backoff from "./Backoff.js"
import * as TokenBucket from "./TokenBucket.js"

export interface Budget {
  /** Wait for the next token. */
  readonly take: Effect.Effect<void>
  readonly pauseFor: (ms: number) => Effect.Effect<void>
  /** Requests made so far (tokens handed out). */
  readonly taken: () => number
}

export const budget = (perSecond: number, burst: number): Budget => {
  let bucket = TokenBucket.make(perSecond, burst, Date.now())
  let taken = 0
  return {
    take: Effect.suspend(() => {
      const reserved = TokenBucket.take(bucket, Date.now())
      bucket = reserved.bucket
      taken++
      return reserved.waitMs > 0 ? Effect.sleep(reserved.waitMs) : Effect.void
    }),
    pauseFor: (ms) =>
      Effect.sync(() => {
        bucket = TokenBucket.pauseUntil(bucket, Date.now() + ms)
      }),
    taken: () => taken
  }
}

export const make = (sync: Ids.SyncId, bucket: Budget, metrics: SyncMetrics): Connector.Requests => ({
  run: <A>(operation: string, request: Effect.Effect<A, UpstreamErrors.UpstreamError>) =>
    Effect.gen(function*() {
      for (let attempt = 1; ; attempt++) {
        yield* bucket.take
        const result = yield* Effect.either(request)
        if (result._tag === "Right") {
          metrics.requests.inc({ sync, outcome: "ok" })
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
            yield* Effect.sleep(wait)
          }
        }
      }
    })
})

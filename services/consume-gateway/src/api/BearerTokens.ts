/**
 * Which bearer tokens are valid. A token is looked up by its hash in the `tokens` bucket and
 * the answer is cached briefly (valid 5 s, invalid 1 s), so the hot consume routes do not pay
 * a KV read per request and a revoked token stops working within seconds. One cache per
 * replica, shared by the HttpApi's `Authorization` middleware and the hot routes.
 *
 * A lookup NATS cannot answer is a 503, not "unknown or revoked" (a worker told its token is
 * revoked stops), and is not cached: the token is looked up again once NATS is back.
 */
import { ApiTokens, Nats, Secrets } from "@tributary/core"
import { Effect, Option } from "effect"
import { unreachable } from "./Convert.js"
import { Unavailable } from "./Errors.js"

const VALID_FOR_MS = 5_000
const INVALID_FOR_MS = 1_000
const MAX_CACHED = 10_000

export interface BearerTokens {
  /** The cache's answer for `token` right now (no lookup): valid, invalid, or `undefined` when it has none. */
  readonly cached: (token: string) => boolean | undefined
  /** Valid or not: the cache's answer, or a lookup in the `tokens` bucket (`Unavailable` when NATS does not answer it). */
  readonly check: (token: string) => Effect.Effect<boolean, Unavailable>
}

/** `unavailable`: why NATS cannot be reached now (the connection is lost), or `undefined`. */
export const make = (nats: Nats.NatsClient, unavailable: () => string | undefined): BearerTokens => {
  const cache = new Map<string, { readonly valid: boolean; readonly until: number }>()
  const fresh = (hash: string, now: number) => {
    const entry = cache.get(hash)
    return entry !== undefined && entry.until > now ? entry.valid : undefined
  }
  return {
    cached: (token) => token === "" ? false : fresh(Secrets.hashToken(token), Date.now()),
    check: (token) =>
      Effect.gen(function*() {
        if (token === "") return false
        const hash = Secrets.hashToken(token)
        const now = Date.now()
        const known = fresh(hash, now)
        if (known !== undefined) return known
        // nats.js would wait out its request timeout for a reply that cannot come.
        const lost = unavailable()
        if (lost !== undefined) return yield* new Unavailable({ message: unreachable(lost) })
        const valid = Option.isSome(yield* ApiTokens.verify(token).pipe(
          Effect.provideService(Nats.Nats, nats),
          Effect.mapError((error) => new Unavailable({ message: unreachable(error.message) }))
        ))
        if (cache.size > MAX_CACHED) cache.clear()
        cache.set(hash, { valid, until: now + (valid ? VALID_FOR_MS : INVALID_FOR_MS) })
        return valid
      })
  }
}

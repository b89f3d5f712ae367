/**
 * Which bearer tokens are valid. A token is looked up by its hash in the `tokens` bucket and
 * the answer is cached briefly (valid 5 s, invalid 1 s), so the hot consume routes do not pay
 * a KV read per request and a revoked token stops working within seconds. One cache per
 * replica, shared by the HttpApi's `Authorization` middleware and the hot routes.
 *
 * A lookup NATS cannot answer is a 503, not "unknown or revoked" (a worker told its token is
 * revoked stops), and is not cached: the token is looked up again once NATS is back. A lookup
 * in flight when the connection goes fails at once (`Wire.whileConnected`): nats.js would wait
 * out its request timeout (5 s) for a reply that cannot come.
 */
import { ApiTokens, Nats, Secrets } from "@tributary/core"
import { Effect, Either, Option } from "effect"
import type { Wire } from "../wire/Wire.js"
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

/** `connection`: the guard that fails a call at once while, or as soon as, the connection to NATS is lost. */
export const make = (nats: Nats.NatsClient, connection: Pick<Wire, "whileConnected">): BearerTokens => {
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
        const lookup = ApiTokens.verify(token).pipe(Effect.provideService(Nats.Nats, nats), Effect.either)
        const found = yield* Effect.tryPromise({
          try: () => connection.whileConnected(() => Effect.runPromise(lookup)),
          catch: (error) => new Unavailable({ message: unreachable(error instanceof Error ? error.message : String(error)) })
        })
        if (Either.isLeft(found)) return yield* new Unavailable({ message: unreachable(found.left.message) })
        const valid = Option.isSome(found.right)
        if (cache.size > MAX_CACHED) cache.clear()
        cache.set(hash, { valid, until: now + (valid ? VALID_FOR_MS : INVALID_FOR_MS) })
        return valid
      })
  }
}

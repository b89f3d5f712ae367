/**
 * Bearer-token check for every `/v1` route. A token is looked up by its hash in the `tokens`
 * bucket; answers are cached briefly (valid 5 s, invalid 1 s), so the hot consume routes do
 * not pay a KV read per request and a revoked token stops working within seconds.
 */
import { ApiTokens, Nats, Secrets } from "@tributary/core"
import { Effect, Layer, Option, Redacted } from "effect"
import { Authorization } from "./Api.js"
import { Unauthorized } from "./Errors.js"

const VALID_FOR_MS = 5_000
const INVALID_FOR_MS = 1_000

export const layer = Layer.effect(
  Authorization,
  Effect.gen(function*() {
    const nats = yield* Nats.Nats
    const cache = new Map<string, { readonly valid: boolean; readonly until: number }>()
    const refuse = (message: string) => Effect.fail(new Unauthorized({ message }))
    return Authorization.of({
      bearer: (redacted) =>
        Effect.gen(function*() {
          const token = Redacted.value(redacted)
          if (token === "") {
            return yield* refuse("missing bearer token: send `Authorization: Bearer <token>` (create one with `tributary tokens create`)")
          }
          const hash = Secrets.hashToken(token)
          const cached = cache.get(hash)
          const now = Date.now()
          let valid = cached !== undefined && cached.until > now ? cached.valid : undefined
          if (valid === undefined) {
            valid = Option.isSome(yield* ApiTokens.verify(token).pipe(
              Effect.provideService(Nats.Nats, nats),
              Effect.orElseSucceed(() => Option.none())
            ))
            if (cache.size > 10_000) cache.clear()
            cache.set(hash, { valid, until: now + (valid ? VALID_FOR_MS : INVALID_FOR_MS) })
          }
          if (!valid) return yield* refuse("unknown or revoked bearer token")
        })
    })
  })
)

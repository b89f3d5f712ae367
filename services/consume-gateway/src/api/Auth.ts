/**
 * Bearer-token check for every `/v1` route, against the replica's `BearerTokens` cache.
 */
import { Effect, Layer, Redacted } from "effect"
import { Authorization } from "./Api.js"
import { GatewayReplica } from "./Context.js"
import { Unauthorized } from "./Errors.js"

export const MISSING_TOKEN =
  "missing bearer token: send `Authorization: Bearer <token>` (create one with `tributary tokens create`)"

export const layer = Layer.effect(
  Authorization,
  Effect.map(GatewayReplica, ({ tokens }) =>
    Authorization.of({
      bearer: (redacted) =>
        Effect.gen(function*() {
          const token = Redacted.value(redacted)
          if (token === "") return yield* new Unauthorized({ message: MISSING_TOKEN })
          if (!(yield* tokens.check(token))) return yield* new Unauthorized({ message: "unknown or revoked bearer token" })
        })
    }))
)

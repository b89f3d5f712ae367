/**
 * Bearer-token check for every `/v1` route, and for any request no route takes
 * (`UnknownRoutes`), against the replica's `BearerTokens` cache.
 */
import { Effect, Layer, Redacted } from "effect"
import { Authorization } from "./Api.js"
import type { BearerTokens } from "./BearerTokens.js"
import { GatewayReplica } from "./Context.js"
import { Unauthorized } from "./Errors.js"
import type { Unavailable } from "./Errors.js"

export const MISSING_TOKEN =
  "missing bearer token: send `Authorization: Bearer <token>` (create one with `tributary tokens create`)"

/**
 * Fails with `Unauthorized` unless `token` (what follows `Bearer `, `""` when none) is a valid API
 * token, or with `Unavailable` when NATS cannot say.
 */
export const authenticate = (tokens: BearerTokens, token: string): Effect.Effect<void, Unauthorized | Unavailable> =>
  Effect.gen(function*() {
    if (token === "") return yield* new Unauthorized({ message: MISSING_TOKEN })
    if (!(yield* tokens.check(token))) return yield* new Unauthorized({ message: "unknown or revoked bearer token" })
  })

/** The token of an `Authorization` header, read as the HttpApi's bearer security reads it. */
export const bearerTokenOf = (authorization: string | undefined): string => (authorization ?? "").slice("Bearer ".length)

export const layer = Layer.effect(
  Authorization,
  Effect.map(GatewayReplica, ({ tokens }) =>
    Authorization.of({ bearer: (redacted) => authenticate(tokens, Redacted.value(redacted)) }))
)

/**
 * Bearer-token check for every `/v1` route, and for any request no route takes
 * (`UnknownRoutes`), against the replica's `BearerTokens` cache.
 */
import { HttpServerRequest } from "@effect/platform"
import { BearerAuthorization } from "@tributary/core"
import { Effect, Layer } from "effect"
import { Authorization } from "./Api.js"
import type { BearerTokens } from "./BearerTokens.js"
import { GatewayReplica } from "./Context.js"
import { Unauthorized } from "./Errors.js"
import type { Unavailable } from "./Errors.js"

export const MISSING_TOKEN =
  "missing bearer token: send `Authorization: Bearer <token>` (create one with `tributary tokens create`)"

/**
 * Fails with `Unauthorized` unless the `Authorization` header is `Bearer <token>` with a valid API
 * token, or with `Unavailable` when NATS cannot say.
 */
export const authenticate = (tokens: BearerTokens, authorization: string | undefined): Effect.Effect<void, Unauthorized | Unavailable> =>
  Effect.gen(function*() {
    const given = BearerAuthorization.read(authorization)
    if (given._tag === "Missing") return yield* new Unauthorized({ message: MISSING_TOKEN })
    if (given._tag === "Malformed") {
      return yield* new Unauthorized({ message: `${given.problem}: send \`Authorization: Bearer <token>\`` })
    }
    if (!(yield* tokens.check(given.token))) return yield* new Unauthorized({ message: "unknown or revoked bearer token" })
  })

export const layer = Layer.effect(
  Authorization,
  Effect.map(GatewayReplica, ({ tokens }) =>
    Authorization.of({
      // The header itself, not the value the HttpApi hands over: that is the header without its
      // first seven characters, whatever they were (`Basic1 <token>` passed as a bearer token).
      bearer: () => Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => authenticate(tokens, request.headers["authorization"]))
    }))
)

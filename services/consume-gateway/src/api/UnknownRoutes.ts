/**
 * What a request no route takes is answered (the router's own answer is a 404 with no body,
 * unlike every other error): a JSON error body, `_tag` and `message`, as everywhere else.
 *
 * The token comes first, as on every `/v1` route: without a valid one the answer is the same 401
 * whatever the path or method, so which routes exist cannot be learnt without a token. With
 * one, a path some route has under other methods is a 405 `MethodNotAllowed` with `Allow`, and
 * any other path a 404 `NotFound`. The hot consume routes hand every request they do not take
 * to the HttpApi, so this answers for both HTTP paths.
 */
import { HttpApi, HttpApiBuilder, HttpApiSchema, HttpServerError, HttpServerResponse } from "@effect/platform"
import type { HttpServerRequest } from "@effect/platform"
import { Cause, Effect, Option, Schema } from "effect"
import { GatewayApi } from "./Api.js"
import * as Auth from "./Auth.js"
import type { BearerTokens } from "./BearerTokens.js"
import { GatewayReplica } from "./Context.js"
import { MethodNotAllowed, NotFound, Unauthorized, Unavailable } from "./Errors.js"

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** `/v1/consumers/:name/next` → a pattern its paths match (a parameter is one non-empty segment). */
const patternOf = (path: string) =>
  new RegExp(`^${path.split("/").map((segment) => segment.startsWith(":") ? "[^/]+" : escapeRegExp(segment)).join("/")}$`)

/**
 * `GET` endpoints a `HEAD` must not run (the router runs a `GET` handler for it): `next` takes
 * messages, and an answer without its body would lose them to the caller until their ack wait.
 */
const WITHOUT_HEAD = new Set(["next"])

interface Endpoint {
  readonly method: string
  readonly pattern: RegExp
  /** Whether `HEAD` is taken here too (a `GET` that only reads). */
  readonly head: boolean
}

/** Every endpoint of the API, from its declaration: the same one the router is built from. */
const endpoints: ReadonlyArray<Endpoint> = (() => {
  const out: Array<Endpoint> = []
  HttpApi.reflect(GatewayApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => out.push({
      method: endpoint.method,
      pattern: patternOf(endpoint.path),
      head: endpoint.method === "GET" && !WITHOUT_HEAD.has(endpoint.name)
    })
  })
  return out
})()

// The router takes `/v1/consumers/` for `/v1/consumers`.
const routeOf = (path: string) => path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path

/** The methods the API takes at `path` (`HEAD` wherever a `GET` that only reads is), sorted; none: no such path. */
export const allowedMethods = (path: string): ReadonlyArray<string> => {
  const matching = endpoints.filter((endpoint) => endpoint.pattern.test(routeOf(path)))
  const methods = new Set(matching.map((endpoint) => endpoint.method))
  if (matching.some((endpoint) => endpoint.head)) methods.add("HEAD")
  return [...methods].sort()
}

/** Whether `HEAD path` is to be refused rather than run as the `GET` the router would run. */
export const refusesHead = (path: string): boolean =>
  endpoints.some((endpoint) => endpoint.method === "GET" && !endpoint.head && endpoint.pattern.test(routeOf(path)))

/** The 405 of `method path`, with the methods the path takes. */
export const methodNotAllowed = (method: string, path: string): { readonly error: MethodNotAllowed; readonly allow: string } => {
  const allow = allowedMethods(path).join(", ")
  return { error: new MethodNotAllowed({ message: `${method} ${path} is not a route of this API: ${path} takes ${allow}` }), allow }
}

const respond = <A extends { readonly _tag: string }, I>(schema: Schema.Schema<A, I>, error: A, headers: Record<string, string> = {}) =>
  HttpServerResponse.unsafeJson(Schema.encodeSync(schema)(error), { status: HttpApiSchema.getStatusErrorAST(schema.ast), headers })

const answer = (request: HttpServerRequest.HttpServerRequest, tokens: BearerTokens) =>
  Auth.authenticate(tokens, request.headers["authorization"]).pipe(
    Effect.map(() => {
      const query = request.url.indexOf("?")
      const path = query < 0 ? request.url : request.url.slice(0, query)
      const allowed = allowedMethods(path)
      if (allowed.length === 0) {
        return respond(NotFound, new NotFound({ message: `${request.method} ${path} is not a route of this API; /openapi.json lists them` }))
      }
      const { allow, error } = methodNotAllowed(request.method, path)
      return respond(MethodNotAllowed, error, { allow })
    }),
    Effect.catchTags({
      Unauthorized: (error) => Effect.succeed(respond(Unauthorized, error)),
      Unavailable: (error) => Effect.succeed(respond(Unavailable, error))
    })
  )

export const layer = HttpApiBuilder.middleware(GatewayApi, Effect.map(GatewayReplica, ({ tokens }) => (app) =>
  Effect.catchAllCause(app, (cause) => {
    const failure: Option.Option<unknown> = Cause.failureOption(cause)
    return Option.isSome(failure) && failure.value instanceof HttpServerError.RouteNotFound
      ? answer(failure.value.request, tokens)
      : Effect.failCause(cause)
  })))

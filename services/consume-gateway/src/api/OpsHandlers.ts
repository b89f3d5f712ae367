/**
 * `/healthz` (the process answers), `/readyz` (NATS is connected), `/metrics` (for the
 * metrics token, core's `MetricsAccess`) and `/openapi.json` (for an API token).
 */
import { HttpApiBuilder, HttpServerRequest, OpenApi } from "@effect/platform"
import { MetricsAccess } from "@tributary/core"
import { Effect } from "effect"
import { GatewayApi } from "./Api.js"
import { GatewayReplica } from "./Context.js"
import { Forbidden, Unauthorized, Unavailable } from "./Errors.js"

export const layer = HttpApiBuilder.group(GatewayApi, "ops", (handlers) =>
  Effect.gen(function*() {
    const replica = yield* GatewayReplica
    return handlers
      .handle("healthz", () => Effect.succeed({ status: "ok" }))
      .handle("readyz", () => {
        const reason = replica.notReady()
        return reason === undefined ? Effect.succeed({ status: "ready" }) : Effect.fail(new Unavailable({ message: reason }))
      })
      .handle("metrics", () =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const verdict = MetricsAccess.check(replica.metricsToken, request.headers["authorization"])
          if (verdict._tag === "Refused") {
            return yield* verdict.status === 403 ? new Forbidden({ message: verdict.message }) : new Unauthorized({ message: verdict.message })
          }
          return yield* Effect.promise(() => replica.metrics.registry.metrics())
        }))
  }))

const document = OpenApi.fromApi(GatewayApi)

export const docsLayer = HttpApiBuilder.group(GatewayApi, "docs", (handlers) =>
  handlers.handle("openapi", () => Effect.succeed(document)))

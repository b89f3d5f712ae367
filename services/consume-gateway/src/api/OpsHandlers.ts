/**
 * `/healthz` (the process answers), `/readyz` (NATS is connected; core's `Probes`: why not
 * only for the metrics token), `/metrics` (for the metrics token, core's `MetricsAccess`)
 * and `/openapi.json` (for an API token).
 */
import { HttpApiBuilder, HttpServerRequest, OpenApi } from "@effect/platform"
import { MetricsAccess, Probes } from "@tributary/core"
import { Effect } from "effect"
import { GatewayApi } from "./Api.js"
import { GatewayReplica } from "./Context.js"
import { Forbidden, Unauthorized } from "./Errors.js"

export const layer = HttpApiBuilder.group(GatewayApi, "ops", (handlers) =>
  Effect.gen(function*() {
    const replica = yield* GatewayReplica
    const readiness = yield* Probes.changeLog
    return handlers
      .handle("healthz", () => Effect.succeed(Probes.live))
      .handle("readyz", () =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const reason = replica.notReady()
          const unready = reason === undefined ? [] : [{ component: "nats", reason }]
          yield* readiness.observe(unready)
          const { body, status } = Probes.answer(replica.metricsToken, request.headers["authorization"], unready)
          return status === 200 ? body : yield* Effect.fail(body)
        }))
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

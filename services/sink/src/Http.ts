/**
 * `/healthz` (the process answers), `/readyz` (it can write to Postgres and fetch from NATS;
 * core's `Probes`: why not only for the metrics token) and Prometheus `/metrics`, which
 * takes the metrics token (core's `MetricsAccess`).
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { MetricsAccess, Probes } from "@tributary/core"
import { Effect, Layer } from "effect"
import type { Option, Redacted } from "effect"
import { Metrics } from "./Metrics.js"
import { Readiness } from "./Readiness.js"

const unready = Effect.flatMap(Readiness, (readiness) => readiness.get).pipe(
  Effect.map((state) => state.ready ? [] : state.reasons)
)

const metrics = Effect.gen(function*() {
  const { registry } = yield* Metrics
  const body = yield* Effect.promise(() => registry.metrics())
  return HttpServerResponse.text(body, { contentType: registry.contentType })
})

export const router = (metricsToken: Option.Option<Redacted.Redacted<string>>) =>
  Effect.map(Probes.routes(metricsToken, unready), HttpRouter.get("/metrics", MetricsAccess.guard(metricsToken, metrics)))

export const layer = (host: string, port: number) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const routes = yield* router(yield* MetricsAccess.token)
    return HttpServer.serve(routes).pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(createServer, { port, host }))
    )
  }))

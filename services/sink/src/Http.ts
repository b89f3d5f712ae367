/**
 * `/healthz` (the process answers), `/readyz` (it can write to Postgres and fetch from NATS) and Prometheus
 * `/metrics`, which takes the metrics token (core's `MetricsAccess`).
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { MetricsAccess } from "@tributary/core"
import { Effect, Layer } from "effect"
import type { Option, Redacted } from "effect"
import { Metrics } from "./Metrics.js"
import { Readiness } from "./Readiness.js"

export const router = (metricsToken: Option.Option<Redacted.Redacted<string>>) => HttpRouter.empty.pipe(
  HttpRouter.get("/healthz", HttpServerResponse.text("ok")),
  HttpRouter.get("/readyz", Effect.gen(function*() {
    const state = yield* (yield* Readiness).get
    return state.ready
      ? HttpServerResponse.text("ready")
      : HttpServerResponse.text(`not ready: ${state.reason}`, { status: 503 })
  })),
  HttpRouter.get("/metrics", MetricsAccess.guard(metricsToken, Effect.gen(function*() {
    const { registry } = yield* Metrics
    const body = yield* Effect.promise(() => registry.metrics())
    return HttpServerResponse.text(body, { contentType: registry.contentType })
  })))
)

export const layer = (host: string, port: number) =>
  Layer.unwrapEffect(Effect.map(MetricsAccess.token, (token) =>
    HttpServer.serve(router(token)).pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(createServer, { port, host }))
    )))

/** `/healthz` (the process answers), `/readyz` (it can write to Postgres) and Prometheus `/metrics`. */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Metrics } from "./Metrics.js"
import { Readiness } from "./Readiness.js"

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/healthz", HttpServerResponse.text("ok")),
  HttpRouter.get("/readyz", Effect.gen(function*() {
    const state = yield* (yield* Readiness).get
    return state.ready
      ? HttpServerResponse.text("ready")
      : HttpServerResponse.text(`not ready: ${state.reason}`, { status: 503 })
  })),
  HttpRouter.get("/metrics", Effect.gen(function*() {
    const { registry } = yield* Metrics
    const body = yield* Effect.promise(() => registry.metrics())
    return HttpServerResponse.text(body, { contentType: registry.contentType })
  }))
)

export const layer = (port: number) =>
  HttpServer.serve(router).pipe(
    HttpServer.withLogAddress,
    Layer.provide(NodeHttpServer.layer(createServer, { port, host: "0.0.0.0" }))
  )

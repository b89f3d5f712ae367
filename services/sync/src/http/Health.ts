/**
 * `/healthz` (the process serves), `/readyz` (NATS is connected and the replica watches
 * its buckets) and `/metrics` (Prometheus text, for the metrics token: core's
 * `MetricsAccess`), on `TRIBUTARY_SYNC_PORT`.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { MetricsAccess, Nats } from "@tributary/core"
import { Effect, Layer } from "effect"
import type { Option, Redacted } from "effect"
import * as Metrics from "../Metrics.js"
import { Replica } from "../replica/Replica.js"

const router = (metricsToken: Option.Option<Redacted.Redacted<string>>) => HttpRouter.empty.pipe(
  HttpRouter.get("/healthz", HttpServerResponse.text("ok")),
  HttpRouter.get(
    "/readyz",
    Effect.gen(function*() {
      const { nc } = yield* Nats.Nats
      const replica = yield* Replica
      if (nc.isClosed()) return HttpServerResponse.text("NATS connection closed", { status: 503 })
      if (!replica.ready()) return HttpServerResponse.text("not watching the syncs yet", { status: 503 })
      return HttpServerResponse.text(`ready; running ${replica.owned().length} syncs`)
    })
  ),
  HttpRouter.get(
    "/metrics",
    MetricsAccess.guard(metricsToken,
      Effect.map(Metrics.render, (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" })))
  )
)

export const layer = (host: string, port: number) =>
  Layer.unwrapEffect(Effect.map(MetricsAccess.token, (token) =>
    HttpServer.serve(router(token)).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port, host })))))

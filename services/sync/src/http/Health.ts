/**
 * `/healthz` (the process serves), `/readyz` (NATS is connected, not reconnecting, and the
 * replica watches its buckets; core's `Probes`: why not only for the metrics token) and
 * `/metrics` (Prometheus text, for the metrics token: core's `MetricsAccess`), on
 * `TRIBUTARY_SYNC_PORT`.
 *
 * While the NATS connection is lost (core's `Nats.unusable`) no lease is renewed and
 * nothing is published, so the replica is not ready then, not only once it is closed.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { MetricsAccess, Nats, Probes } from "@tributary/core"
import { Effect, Layer } from "effect"
import type { Option, Redacted } from "effect"
import * as Metrics from "../Metrics.js"
import { Replica } from "../replica/Replica.js"

const unready = Effect.gen(function*() {
  const nats = (yield* Nats.Nats).unusable()
  const replica = yield* Replica
  return [
    ...(nats === undefined ? [] : [{ component: "nats", reason: nats }]),
    ...(replica.ready() ? [] : [{ component: "syncs", reason: "not watching the syncs yet" }])
  ]
})

const metrics = Effect.map(Metrics.render, (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" }))

const router = (metricsToken: Option.Option<Redacted.Redacted<string>>) =>
  Effect.map(Probes.routes(metricsToken, unready), HttpRouter.get("/metrics", MetricsAccess.guard(metricsToken, metrics)))

export const layer = (host: string, port: number) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const routes = yield* router(yield* MetricsAccess.token)
    return HttpServer.serve(routes).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port, host })))
  }))

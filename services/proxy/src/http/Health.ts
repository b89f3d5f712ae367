/**
 * `/healthz` (the process serves), `/readyz` (NATS connected, not reconnecting, and the
 * writer connection to Postgres answers; core's `Probes`: why not only for the metrics
 * token) and `/metrics` (Prometheus text, for the metrics token: core's `MetricsAccess`),
 * on `TRIBUTARY_PROXY_HTTP_PORT`.
 *
 * Without NATS no login can be checked and no write can read its sync's config, so the proxy
 * is not ready while the connection is lost (core's `Nats.unusable`), not only once closed.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Database, MetricsAccess, Nats, Probes } from "@tributary/core"
import { Effect, Layer } from "effect"
import type { Option, Redacted } from "effect"

const unready = Effect.gen(function*() {
  const nats = (yield* Nats.Nats).unusable()
  const { pool } = yield* Database.Database
  const postgres = yield* Effect.either(Database.tryDatabase("ping", () => pool.query("select 1")))
  return [
    ...(nats === undefined ? [] : [{ component: "nats", reason: nats }]),
    ...(postgres._tag === "Left" ? [{ component: "postgres", reason: postgres.left.message }] : [])
  ]
})

/** `metrics`: the Prometheus text of the whole replica (every worker's). */
const router = (metrics: () => Promise<string>, metricsToken: Option.Option<Redacted.Redacted<string>>) =>
  Effect.map(Probes.routes(metricsToken, unready), HttpRouter.get(
    "/metrics",
    MetricsAccess.guard(metricsToken, Effect.map(
      Effect.promise(metrics),
      (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" })
    ))
  ))

/** Served on the proxy's own address (`TRIBUTARY_PROXY_HOST`), like its Postgres port. */
export const layer = (host: string, port: number, metrics: () => Promise<string>) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const routes = yield* router(metrics, yield* MetricsAccess.token)
    return HttpServer.serve(routes).pipe(Layer.provide(NodeHttpServer.layer(createServer, { host, port })))
  }))

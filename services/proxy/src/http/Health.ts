/**
 * `/healthz` (the process serves), `/readyz` (NATS connected, the writer connection to
 * Postgres answers) and `/metrics` (Prometheus text, for the metrics token: core's
 * `MetricsAccess`), on `TRIBUTARY_PROXY_HTTP_PORT`.
 *
 * Without NATS no login can be checked and no write can read its sync's config, so the proxy
 * is not ready while the connection is lost (core's `Nats.unusable`), not only once closed.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Database, MetricsAccess, Nats } from "@tributary/core"
import { Effect, Layer } from "effect"
import type { Option, Redacted } from "effect"

/** `metrics`: the Prometheus text of the whole replica (every worker's). */
const router = (metrics: () => Promise<string>, metricsToken: Option.Option<Redacted.Redacted<string>>) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", HttpServerResponse.text("ok")),
    HttpRouter.get(
      "/readyz",
      Effect.gen(function*() {
        const { pool } = yield* Database.Database
        const nats = (yield* Nats.Nats).unusable()
        if (nats !== undefined) return HttpServerResponse.text(nats, { status: 503 })
        const postgres = yield* Effect.either(Database.tryDatabase("ping", () => pool.query("select 1")))
        if (postgres._tag === "Left") return HttpServerResponse.text(postgres.left.message, { status: 503 })
        return HttpServerResponse.text("ready")
      })
    ),
    HttpRouter.get(
      "/metrics",
      MetricsAccess.guard(metricsToken, Effect.map(
        Effect.promise(metrics),
        (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" })
      ))
    )
  )

/** Served on the proxy's own address (`TRIBUTARY_PROXY_HOST`), like its Postgres port. */
export const layer = (host: string, port: number, metrics: () => Promise<string>) =>
  Layer.unwrapEffect(Effect.map(MetricsAccess.token, (token) =>
    HttpServer.serve(router(metrics, token)).pipe(Layer.provide(NodeHttpServer.layer(createServer, { host, port })))))

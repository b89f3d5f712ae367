/**
 * `/healthz` (the process serves), `/readyz` (NATS connected, the writer connection to
 * Postgres answers) and `/metrics` (Prometheus text, for the metrics token: core's
 * `MetricsAccess`), on `TRIBUTARY_PROXY_HTTP_PORT`.
 *
 * nats.js reconnects by itself and never gives up (`maxReconnectAttempts: -1`), so its
 * connection is never closed while the server is away: only its status events say it is
 * lost. Without NATS no login can be checked and no write can read its sync's config, so
 * the proxy is not ready until the connection is back.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Database, MetricsAccess, Nats } from "@tributary/core"
import { Effect, Layer } from "effect"
import type { Scope } from "effect"
import type { Option, Redacted } from "effect"

/** Why NATS is not usable now (undefined while it is), from the connection's status events. */
const natsConnection: Effect.Effect<() => string | undefined, never, Nats.Nats | Scope.Scope> = Effect.gen(function*() {
  const { nc } = yield* Nats.Nats
  let lost = false
  yield* Effect.forkScoped(Effect.promise(async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") lost = true
      else if (status.type === "reconnect") lost = false
    }
  }))
  return () => (nc.isClosed() ? "NATS connection closed" : lost ? "NATS connection lost; reconnecting" : undefined)
})

/** `metrics`: the Prometheus text of the whole replica (every worker's). */
const router = (
  metrics: () => Promise<string>,
  metricsToken: Option.Option<Redacted.Redacted<string>>,
  natsNotReady: () => string | undefined
) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", HttpServerResponse.text("ok")),
    HttpRouter.get(
      "/readyz",
      Effect.gen(function*() {
        const { pool } = yield* Database.Database
        const nats = natsNotReady()
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
  Layer.unwrapScoped(Effect.gen(function*() {
    const token = yield* MetricsAccess.token
    const natsNotReady = yield* natsConnection
    return HttpServer.serve(router(metrics, token, natsNotReady)).pipe(Layer.provide(NodeHttpServer.layer(createServer, { host, port })))
  }))

/**
 * `/healthz` (the process serves), `/readyz` (NATS connected, the writer connection to
 * Postgres answers) and `/metrics` (Prometheus text), on `TRIBUTARY_PROXY_HTTP_PORT`.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Database, Nats } from "@tributary/core"
import { Effect, Layer } from "effect"

/** `metrics`: the Prometheus text of the whole replica (every worker's). */
const router = (metrics: () => Promise<string>) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", HttpServerResponse.text("ok")),
    HttpRouter.get(
      "/readyz",
      Effect.gen(function*() {
        const { nc } = yield* Nats.Nats
        const { pool } = yield* Database.Database
        if (nc.isClosed()) return HttpServerResponse.text("NATS connection closed", { status: 503 })
        const postgres = yield* Effect.either(Database.tryDatabase("ping", () => pool.query("select 1")))
        if (postgres._tag === "Left") return HttpServerResponse.text(postgres.left.message, { status: 503 })
        return HttpServerResponse.text("ready")
      })
    ),
    HttpRouter.get(
      "/metrics",
      Effect.map(
        Effect.promise(metrics),
        (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" })
      )
    )
  )

export const layer = (port: number, metrics: () => Promise<string>) =>
  HttpServer.serve(router(metrics)).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port })))

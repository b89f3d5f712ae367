/**
 * `/healthz` (the process serves), `/readyz` (NATS connected, not reconnecting, and
 * answering; the writer's Postgres answers, within `POSTGRES_PING_TIMEOUT_MS`; core's `Probes`: why not only for the metrics
 * token) and `/metrics` (Prometheus text, for the metrics token: core's `MetricsAccess`),
 * on `TRIBUTARY_PROXY_HTTP_PORT`.
 *
 * Without NATS no login can be checked and no write can read its sync's config, so the proxy
 * is not ready while the connection is lost (core's `Nats.unusable`), not only once closed,
 * nor while NATS does not answer: a hung server, or a connection dead without a word, which
 * the client notices only from missed pings, minutes later. Each probe asks JetStream for
 * the status of the tokens bucket (where a login reads its credential) within the proxy's
 * NATS read timeout (`TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS`), so that it answers 503 after
 * that, as a login is refused after it, rather than after JetStream's request timeout (5 s).
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Database, MetricsAccess, Nats, Probes } from "@tributary/core"
import { Duration, Effect, Either, Layer } from "effect"
import type pg from "pg"
import type { Option, Redacted } from "effect"

/** Why NATS cannot be used now, or undefined when it answers within `timeoutMs`. */
const natsUnready = (timeoutMs: number) =>
  Effect.gen(function*() {
    const client = yield* Nats.Nats
    const lost = client.unusable()
    if (lost !== undefined) return lost
    const answered = yield* Effect.either(Nats.bucket("tokens", { timeoutMs }).pipe(
      Effect.flatMap((kv) => Nats.tryNats(`read the status of bucket ${client.ns.buckets.tokens}`, () => kv.status()))
    ))
    if (Either.isRight(answered)) return undefined
    return answered.left.timedOut === true ? `NATS did not answer within ${timeoutMs} ms` : answered.left.message
  })

/** How long a probe waits for the writer's Postgres to answer: within the chart's probe timeout (3 s). */
export const POSTGRES_PING_TIMEOUT_MS = 2_000

/**
 * `select 1` on the writer's pool, one at a time: while a Postgres that does not answer (a hung
 * server, a dead connection) holds a ping, the next probes wait for the same one rather than each
 * taking a connection of the pool the writes need.
 */
const pinger = (pool: pg.Pool) => {
  let inFlight: Promise<unknown> | undefined
  return () => (inFlight ??= pool.query("select 1").finally(() => {
    inFlight = undefined
  }))
}

/** Why Postgres cannot be used now, or undefined when it answers within `timeoutMs`. */
const postgresUnready = (ping: () => Promise<unknown>, timeoutMs: number) =>
  Database.tryDatabase("ping", ping).pipe(
    Effect.map((): string | undefined => undefined),
    Effect.catchAll((error) => Effect.succeed(error.message)),
    Effect.timeoutTo({
      duration: Duration.millis(timeoutMs),
      onSuccess: (reason) => reason,
      onTimeout: () => `Postgres did not answer within ${timeoutMs} ms`
    })
  )

const unready = (natsReadTimeoutMs: number, ping: () => Promise<unknown>) =>
  Effect.gen(function*() {
    const [nats, postgres] = yield* Effect.all([
      natsUnready(natsReadTimeoutMs),
      postgresUnready(ping, POSTGRES_PING_TIMEOUT_MS)
    ], { concurrency: "unbounded" })
    return [
      ...(nats === undefined ? [] : [{ component: "nats", reason: nats }]),
      ...(postgres === undefined ? [] : [{ component: "postgres", reason: postgres }])
    ]
  })

/** `metrics`: the Prometheus text of the whole replica (every worker's). */
const router = (
  metrics: () => Promise<string>,
  metricsToken: Option.Option<Redacted.Redacted<string>>,
  natsReadTimeoutMs: number
) =>
  Effect.flatMap(Database.Database, ({ pool }) => Probes.routes(metricsToken, unready(natsReadTimeoutMs, pinger(pool)))).pipe(Effect.map(HttpRouter.get(
    "/metrics",
    MetricsAccess.guard(metricsToken, Effect.map(
      Effect.promise(metrics),
      (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" })
    ))
  )))

/**
 * Served on the proxy's own address (`TRIBUTARY_PROXY_HOST`), like its Postgres port;
 * `natsReadTimeoutMs`: how long a probe waits for NATS to answer.
 */
export const layer = (host: string, port: number, metrics: () => Promise<string>, natsReadTimeoutMs: number) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const routes = yield* router(metrics, yield* MetricsAccess.token, natsReadTimeoutMs)
    return HttpServer.serve(routes).pipe(Layer.provide(NodeHttpServer.layer(createServer, { host, port })))
  }))

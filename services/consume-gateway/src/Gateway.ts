/**
 * The gateway as a Layer: provisioning, the consume engine, the HTTP API on a Node server.
 * Needs `Nats` and `Secrets.SecretKeys`; `main.ts` provides them from the environment,
 * tests provide them directly and run several replicas in one process.
 */
import { HttpApiBuilder, HttpApiError, HttpIncomingMessage, HttpMiddleware, HttpServerError, HttpServerRequest } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Log, Nats, Provisioning, Secrets, Settings } from "@tributary/core"
import { Cause, Config, Effect, Exit, Layer, Option, Runtime } from "effect"
import { GatewayApi } from "./api/Api.js"
import * as Auth from "./api/Auth.js"
import * as BearerTokens from "./api/BearerTokens.js"
import * as ConsumeHandlers from "./api/ConsumeHandlers.js"
import * as ConsumersHandlers from "./api/ConsumersHandlers.js"
import { GatewayReplica } from "./api/Context.js"
import { GatewayServer, HotRoutes } from "./api/HotRoutes.js"
import * as OpsHandlers from "./api/OpsHandlers.js"
import * as SyncsHandlers from "./api/SyncsHandlers.js"
import * as UnknownRoutes from "./api/UnknownRoutes.js"
import * as Validation from "./api/Validation.js"
import * as ConsumerCache from "./consumers/ConsumerCache.js"
import * as Reconciler from "./consumers/Reconciler.js"
import { Engine } from "./delivery/Engine.js"
import * as Metrics from "./observability/Metrics.js"
import * as GatewaySettings from "./Settings.js"
import { Kv } from "./wire/Kv.js"
import { Wire } from "./wire/Wire.js"

export const replica = (settings: GatewaySettings.GatewaySettings, options: { readonly processMetrics?: boolean } = {}) =>
  Layer.scoped(
    GatewayReplica,
    Effect.gen(function*() {
      const nats = yield* Nats.Nats
      const keys = yield* Secrets.SecretKeys
      yield* Provisioning.ensure()
      const wire = new Wire(nats.nc)
      const configs = yield* ConsumerCache.make
      const reconciler = yield* Reconciler.make
      reconciler.all()
      const metrics = Metrics.make({ processMetrics: options.processMetrics ?? false, natsStats: () => nats.nc.stats() })
      // The engine is promise-based (for speed); it logs through this layer's logger all the same.
      const runFork = Runtime.runFork(yield* Effect.runtime<never>())
      const engine = new Engine({
        wire,
        inflight: new Kv(wire, nats.ns.buckets.inflight),
        jsm: nats.jsm,
        ns: nats.ns,
        keys,
        metrics,
        settings: settings,
        lookup: configs.lookup,
        warn: (message, fields) => runFork(Effect.logWarning(message).pipe(Effect.annotateLogs(fields)))
      })
      const watchStatus = async () => {
        for await (const status of nats.nc.status()) {
          // Requests waiting on NATS fail at once (a 503), rather than at their timeouts.
          if (status.type === "disconnect") wire.connectionLost(Nats.CONNECTION_LOST)
          if (status.type === "reconnect") {
            wire.connectionBack()
            // A PATCH the lost connection cut short may have left JetStream apart from the bucket.
            reconciler.all()
          }
        }
      }
      yield* Effect.forkScoped(Effect.promise(watchStatus))
      return {
        engine,
        tokens: BearerTokens.make(nats, wire),
        metrics,
        knownConsumer: configs.known,
        metricsToken: settings.metricsToken,
        notReady: () => nats.nc.isClosed() ? "NATS connection closed" : wire.unavailable
      }
    })
  )

/**
 * Validation failures name the field: `filters.collection_id`, `ack_tokens[2]`, `batch_size`,
 * `body`. The HttpApi reads a body with `orDie`, so one that is not JSON arrives here as a defect
 * (a `Decode` `RequestError`) that would otherwise answer an empty 400. A body that failed to
 * decode under a content type that is not JSON (a form, as `curl -d` sends by default) is
 * answered with what to send instead: its issues would name the form's keys as fields.
 */
const namedValidationErrors = HttpApiBuilder.middleware(GatewayApi, (app) =>
  Effect.catchAllCause(HttpIncomingMessage.withMaxBodySize(app, Option.some(Validation.MAX_BODY_BYTES)), (cause) => {
    const failure: Option.Option<unknown> = Cause.failureOption(cause)
    if (Option.isSome(failure) && failure.value instanceof HttpApiError.HttpApiDecodeError) {
      const decodeError = failure.value
      return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const contentType = request.headers["content-type"]
        // Without a body the issue is the path's or the query's, whatever the content type says.
        const hasBody = Number(request.headers["content-length"] ?? 0) > 0 || request.headers["transfer-encoding"] !== undefined
        return Effect.fail(
          hasBody && contentType !== undefined && !Validation.isJsonContentType(contentType)
            ? Validation.notJsonContentType(contentType)
            : Validation.invalidRequest(decodeError.issues, decodeError.message)
        )
      })
    }
    const defect: Option.Option<unknown> = Cause.dieOption(cause)
    if (Option.isSome(defect) && defect.value instanceof HttpServerError.RequestError && defect.value.reason === "Decode") {
      // The platform's words for a body past `withMaxBodySize` (NodeStream.toString).
      const tooLarge = defect.value.cause instanceof Error && defect.value.cause.message === "maxBytes exceeded"
      return Effect.fail(tooLarge ? Validation.bodyTooLarge() : Validation.unreadableBody(defect.value.cause))
    }
    return Effect.failCause(cause)
  }))

/** Request metrics. Errors reach this point as failures that carry their response. */
const instrument = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { knownConsumer, metrics } = yield* GatewayReplica
    const started = performance.now()
    const arrived = Metrics.requestLabels(request.url, knownConsumer)
    const exit = yield* Effect.exit(app)
    const response = Exit.isSuccess(exit) ? exit.value : (yield* HttpServerError.causeResponse(exit.cause))[0]
    const { route, consumer } = Metrics.recheck(arrived, request.url, knownConsumer)
    metrics.requests.inc({ method: request.method, route, consumer, status: String(response.status) })
    metrics.latency.observe({ method: request.method, route, consumer }, (performance.now() - started) / 1000)
    return response
  }))

export const api = Layer.mergeAll(SyncsHandlers.layer, ConsumersHandlers.layer, ConsumeHandlers.layer, OpsHandlers.layer, OpsHandlers.docsLayer).pipe(
  Layer.provide(Auth.layer),
  (handlers) => HttpApiBuilder.api(GatewayApi).pipe(Layer.provide(handlers))
)

/** Node's HTTP server for a replica: the hot consume routes answer first, the HttpApi everything else. */
const httpServer = (settings: GatewaySettings.GatewaySettings) =>
  Layer.unwrapEffect(Effect.map(GatewayReplica, (replica) =>
    NodeHttpServer.layer(() => new GatewayServer(new HotRoutes(replica)), { port: settings.port, host: settings.host })))

/** The gateway on `settings.host:settings.port` (0: any free port; read it from `HttpServer`). */
export const layer = (settings: GatewaySettings.GatewaySettings, options: { readonly processMetrics?: boolean } = {}) =>
  HttpApiBuilder.serve(instrument).pipe(
    Layer.provide(namedValidationErrors),
    Layer.provide(UnknownRoutes.layer),
    Layer.provide(api),
    Layer.provideMerge(httpServer(settings)),
    Layer.provideMerge(replica(settings, options)),
    // No tracer is exported; spans per request and per effect cost real CPU on the hot routes.
    Layer.provide(Layer.setTracerEnabled(false))
  )

/**
 * Everything the gateway reads from `TRIBUTARY_*`, as one `Config`, read before anything is
 * built: the groups of one `Config.all` are all checked, so every bad value is reported at
 * once, not one restart at a time.
 */
export const config = Config.all({
  gateway: GatewaySettings.gateway,
  nats: Settings.nats,
  secretKey: Settings.secretKey,
  log: Settings.log
})

/** Everything from the environment: what `main.ts` runs. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, ({ gateway, log, nats, secretKey }) =>
  layer(gateway, { processMetrics: true }).pipe(
    Layer.provide(Layer.mergeAll(Nats.layer(nats, "consume-gateway"), Secrets.layer(secretKey))),
    Layer.provide(Log.layer("consume-gateway", log.level))
  )))

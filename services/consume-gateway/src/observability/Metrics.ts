/**
 * Prometheus metrics of one gateway replica, in a registry of its own (two replicas in one
 * process, as in the tests, must not share counters). Served at `/metrics`.
 */
import type { Stats } from "@nats-io/transport-node"
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client"

export interface Metrics {
  readonly registry: Registry
  readonly requests: Counter<"method" | "route" | "consumer" | "status">
  readonly latency: Histogram<"method" | "route" | "consumer">
  readonly delivered: Counter<"consumer">
  readonly acked: Counter<"consumer">
  readonly nacked: Counter<"consumer">
  readonly deadLettered: Counter<"consumer">
  readonly withheld: Counter<"consumer">
  readonly refusedTokens: Counter<"consumer" | "reason">
  /** Pulls JetStream ended with a status the gateway does not know (its consumer was changed behind its back). */
  readonly pullsRefused: Counter<"consumer" | "code" | "description">
  /** `/next` requests this replica holds for a consumer right now (long polls included). */
  readonly waiting: Gauge<"consumer">
}

export interface Options {
  readonly processMetrics: boolean
  /** The replica's NATS connection counters: messages and bytes each way, read at scrape time. */
  readonly natsStats?: () => Stats
}

export const make = (options: Options): Metrics => {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: "tributary_gateway_process_" })
  const counter = <L extends string>(name: string, help: string, labelNames: ReadonlyArray<L>) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] })
  const natsStats = options.natsStats
  if (natsStats !== undefined) {
    // Read from the connection's own statistics at every scrape.
    const connectionCounter = (name: string, help: string, read: (stats: ReturnType<NonNullable<typeof options.natsStats>>) => readonly [number, number]) =>
      new Counter({
        name,
        help,
        labelNames: ["direction"],
        registers: [registry],
        collect() {
          const [inbound, outbound] = read(natsStats())
          this.reset()
          this.inc({ direction: "in" }, inbound)
          this.inc({ direction: "out" }, outbound)
        }
      })
    connectionCounter(
      "tributary_gateway_nats_messages_total",
      "Messages on the replica's NATS connection (requests, replies, pulled messages, acks)",
      (stats) => [stats.inMsgs, stats.outMsgs]
    )
    connectionCounter("tributary_gateway_nats_bytes_total", "Bytes on the replica's NATS connection", (stats) => [stats.inBytes, stats.outBytes])
  }
  return {
    registry,
    requests: counter("tributary_gateway_http_requests_total", "HTTP requests answered", ["method", "route", "consumer", "status"]),
    latency: new Histogram({
      name: "tributary_gateway_http_request_duration_seconds",
      help: "Time to answer an HTTP request (long polls included)",
      labelNames: ["method", "route", "consumer"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry]
    }),
    delivered: counter("tributary_gateway_messages_delivered_total", "Messages handed to workers", ["consumer"]),
    acked: counter("tributary_gateway_messages_acked_total", "Messages acked by workers", ["consumer"]),
    nacked: counter("tributary_gateway_messages_nacked_total", "Messages nacked by workers", ["consumer"]),
    deadLettered: counter("tributary_gateway_messages_dead_lettered_total", "Messages moved to dead letters after max_deliver", ["consumer"]),
    withheld: counter("tributary_gateway_messages_withheld_total",
      "Deliveries held back because an older version of the record was in flight", ["consumer"]),
    refusedTokens: counter("tributary_gateway_ack_tokens_refused_total", "Ack tokens refused (invalid or stale)", ["consumer", "reason"]),
    // `description` is nats-server's fixed text for the status, so the series stay few.
    pullsRefused: counter("tributary_gateway_pulls_refused_total", "JetStream pulls ended with a status the gateway does not know",
      ["consumer", "code", "description"]),
    waiting: new Gauge({
      name: "tributary_gateway_waiting_requests",
      help: "/next requests the replica holds for a consumer (at most TRIBUTARY_GATEWAY_MAX_WAITING)",
      labelNames: ["consumer"],
      registers: [registry]
    })
  }
}

/** The routes the gateway answers, as they appear in metrics. */
const ROUTES: ReadonlySet<string> = new Set([
  "/healthz", "/readyz", "/metrics", "/openapi.json",
  "/v1/syncs", "/v1/syncs/{id}", "/v1/syncs/{id}/pause", "/v1/syncs/{id}/resume", "/v1/syncs/{id}/proxy-credentials",
  "/v1/syncs/{id}/proxy-credentials/{name}", "/v1/syncs/{id}/proxy-credentials/{name}/rotate",
  "/v1/consumers", "/v1/consumers/{name}", "/v1/consumers/{name}/next", "/v1/consumers/{name}/ack",
  "/v1/consumers/{name}/nack", "/v1/consumers/{name}/progress", "/v1/consumers/{name}/dead-letters",
  "/v1/consumers/{name}/dead-letters/redrive"
])

/**
 * `/v1/consumers/orders/next` → `/v1/consumers/{name}/next`: one series per route, not per
 * consumer; any path the gateway does not serve is `unmatched`, so no request can add a series.
 */
export const routeOf = (path: string): string => {
  const parts = path.split("?")[0]!.split("/")
  if (parts[1] === "v1" && (parts[2] === "consumers" || parts[2] === "syncs") && parts[3] !== undefined && parts[3] !== "") {
    parts[3] = parts[2] === "consumers" ? "{name}" : "{id}"
    if (parts[2] === "syncs" && parts[4] === "proxy-credentials" && parts[5] !== undefined && parts[5] !== "") parts[5] = "{name}"
  }
  const route = parts.join("/")
  return ROUTES.has(route) ? route : "unmatched"
}

/** The routes of one consumer: `/v1/consumers/{name}` and below. */
const CONSUMER_ROUTE = "/v1/consumers/{name}"

/** The `consumer` of a request to a consumer route whose name the replica does not know. */
export const UNKNOWN_CONSUMER = "unknown"

/** The labels of one request's series besides its method and status. */
export interface RequestLabels {
  readonly route: string
  /** `""` outside the consumer routes; the name of a consumer the replica knows; else `unknown`. */
  readonly consumer: string
}

const consumerNameOf = (path: string): string | undefined => {
  const segment = path.split("?")[0]!.split("/")[3]!
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/**
 * A consumer route is labelled with its consumer only when the replica knows that consumer:
 * a name from the path alone (a 404, a 401, a typo) is anyone's input, and would add series.
 */
export const requestLabels = (path: string, known: (name: string) => boolean): RequestLabels => {
  const route = routeOf(path)
  if (!route.startsWith(CONSUMER_ROUTE)) return { route, consumer: "" }
  const name = consumerNameOf(path)
  return { route, consumer: name !== undefined && known(name) ? name : UNKNOWN_CONSUMER }
}

/**
 * The labels of a request as it is answered, from those it arrived with: a consumer known then
 * keeps its name (a DELETE that removed it), one known only now gets it (created a moment ago
 * through another replica, its config read from the bucket by this request).
 */
export const recheck = (arrived: RequestLabels, path: string, known: (name: string) => boolean): RequestLabels =>
  arrived.consumer === UNKNOWN_CONSUMER ? requestLabels(path, known) : arrived

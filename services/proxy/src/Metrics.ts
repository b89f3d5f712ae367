/**
 * Prometheus metrics of the proxy, served on `/metrics`. One registry per proxy process;
 * with several workers, `/metrics` sums them (Workers.shareMetrics).
 */
import * as Prom from "prom-client"

export interface ProxyMetrics {
  readonly registry: Prom.Registry
  readonly sessions: Prom.Gauge
  readonly logins: Prom.Counter<"outcome">
  readonly writes: Prom.Counter<"table" | "action" | "sqlstate">
  readonly writeSeconds: Prom.Histogram<"action">
}

export const make = (sessions: () => number): ProxyMetrics => {
  const registry = new Prom.Registry()
  Prom.collectDefaultMetrics({ register: registry, prefix: "tributary_proxy_process_" })
  const registers = [registry]
  return {
    registry,
    sessions: new Prom.Gauge({
      name: "tributary_proxy_sessions",
      help: "Client connections open (each holds one upstream session)",
      registers,
      collect() {
        this.set(sessions())
      }
    }),
    logins: new Prom.Counter({
      name: "tributary_proxy_logins_total",
      help: "Client logins by outcome (ok, refused)",
      labelNames: ["outcome"],
      registers
    }),
    writes: new Prom.Counter({
      name: "tributary_proxy_writes_total",
      help: "Writes to synced tables by table, action and SQLSTATE (00000 when applied)",
      labelNames: ["table", "action", "sqlstate"],
      registers
    }),
    writeSeconds: new Prom.Histogram({
      name: "tributary_proxy_write_seconds",
      help: "Time to answer a write to a synced table, API call included",
      labelNames: ["action"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers
    })
  }
}

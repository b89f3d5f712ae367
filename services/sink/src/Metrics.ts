/**
 * Prometheus metrics of the sink, served on `/metrics`. One registry per sink (a
 * Layer), so tests that run two replicas in one process keep them apart.
 */
import { Context, Layer } from "effect"
import * as Prom from "prom-client"

export interface SinkMetrics {
  readonly registry: Prom.Registry
  readonly records: Prom.Counter<"outcome">
  readonly batches: Prom.Counter<"outcome">
  readonly batchSize: Prom.Histogram
  readonly batchSeconds: Prom.Histogram
  readonly lagSeconds: Prom.Histogram
  readonly ready: Prom.Gauge
  readonly pending: Prom.Gauge
}

export class Metrics extends Context.Tag("@tributary/sink/Metrics")<Metrics, SinkMetrics>() {}

export const make = (): SinkMetrics => {
  const registry = new Prom.Registry()
  Prom.collectDefaultMetrics({ register: registry, prefix: "tributary_sink_process_" })
  const registers = [registry]
  return {
    registry,
    records: new Prom.Counter({
      name: "tributary_sink_records_total",
      help: "Records by outcome: written (committed and acked), retried (refused by Postgres, redelivered later), " +
        "dead_lettered (including messages on a subject that is not a record subject)",
      labelNames: ["outcome"],
      registers
    }),
    batches: new Prom.Counter({
      name: "tributary_sink_batches_total",
      help: "Transactions by outcome: committed, or failed (Postgres unavailable; the batch is retried)",
      labelNames: ["outcome"],
      registers
    }),
    batchSize: new Prom.Histogram({
      name: "tributary_sink_batch_records",
      help: "Records per transaction",
      buckets: [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000],
      registers
    }),
    batchSeconds: new Prom.Histogram({
      name: "tributary_sink_batch_seconds",
      help: "Time to write and commit one batch",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers
    }),
    lagSeconds: new Prom.Histogram({
      name: "tributary_sink_lag_seconds",
      help: "From publication to RECORDS to commit in Postgres, of the oldest record of each committed batch",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers
    }),
    ready: new Prom.Gauge({ name: "tributary_sink_ready", help: "1 when the sink can write to Postgres and take records from NATS", registers }),
    pending: new Prom.Gauge({
      name: "tributary_sink_consumer_pending",
      help: "Messages on RECORDS the durable consumer has not delivered yet",
      registers
    })
  }
}

export const layer = Layer.sync(Metrics, make)

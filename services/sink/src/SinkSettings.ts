/** The sink's configuration, from `TRIBUTARY_SINK_*` (documented in docs/configuration.md). */
import { Ids, Settings } from "@tributary/core"
import { Config, Schema } from "effect"

const int = (name: string, min: number, max: number, fallback: number) =>
  Schema.Config(Settings.env(name), Schema.NumberFromString.pipe(Schema.int(), Schema.between(min, max)))
    .pipe(Config.withDefault(fallback))

export const sink = Config.all({
  /** The durable consumer every replica shares. */
  consumer: Schema.Config(Settings.env("SINK_CONSUMER"), Ids.ConsumerName).pipe(Config.withDefault(Ids.ConsumerName.make("sink"))),
  /** Records per transaction. */
  batchSize: int("SINK_BATCH_SIZE", 1, 10_000, 1_000),
  /** Transactions in flight per replica. */
  concurrency: int("SINK_CONCURRENCY", 1, 32, 2),
  /** How long JetStream waits for an ack before it redelivers (the sink extends it while it holds a message). */
  ackWaitMs: int("SINK_ACK_WAIT_MS", 1_000, 3_600_000, 30_000),
  /** Attempts at a record Postgres refuses before it goes to the dead-letter stream. */
  maxDeliver: int("SINK_MAX_DELIVER", 1, 1_000, 5),
  /** Messages delivered but not yet acked, over all replicas. */
  maxAckPending: int("SINK_MAX_ACK_PENDING", 1, 1_000_000, 20_000),
  /** Longest wait between retries while Postgres is unavailable. */
  retryMaxMs: int("SINK_RETRY_MAX_MS", 100, 600_000, 10_000),
  port: Settings.httpPort("SINK_PORT", 8083),
  host: Settings.httpHost("SINK_HOST")
})
export type SinkSettings = Config.Config.Success<typeof sink>

export const defaults: SinkSettings = {
  consumer: Ids.ConsumerName.make("sink"),
  batchSize: 1_000,
  concurrency: 2,
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 20_000,
  retryMaxMs: 10_000,
  port: 8083,
  host: "0.0.0.0"
}

/**
 * What happens to each message after a write: committed records are acked; a record
 * Postgres refused is redelivered later (NAK with a growing delay), and once it has been
 * delivered `maxDeliver` times it moves to the dead-letter stream and is terminated.
 */
import type { JsMsg } from "@nats-io/jetstream"
import type { Nats } from "@tributary/core"
import { Effect } from "effect"
import type { AckAll } from "./Acks.js"
import * as DeadLetter from "./DeadLetter.js"
import type { SinkMetrics } from "./Metrics.js"
import type { SinkSettings } from "./SinkSettings.js"
import type { Written } from "./Writer.js"

/** Redelivery delay after the n-th refused attempt: 0.5 s, 1 s, 2 s, … up to the retry cap. */
export const retryDelayMs = (deliveries: number, capMs: number): number =>
  Math.min(capMs, 500 * 2 ** Math.max(0, deliveries - 1))

export const giveUp = (
  nats: Nats.NatsClient,
  settings: SinkSettings,
  metrics: SinkMetrics,
  message: JsMsg,
  reason: DeadLetter.Reason
) =>
  DeadLetter.publish(nats, settings.consumer, message, reason).pipe(
    Effect.tap(() =>
      Effect.sync(() => {
        message.term()
        metrics.records.inc({ outcome: "dead_lettered" })
      })
    ),
    Effect.tap(() =>
      Effect.logWarning("record moved to the dead-letter stream").pipe(
        Effect.annotateLogs({ subject: message.subject, reason: reason.detail, deliveries: message.info.deliveryCount })
      )
    ),
    // Not dead-lettered: let it come back and try again.
    Effect.catchAll((error) =>
      Effect.zipRight(
        Effect.logError("could not dead-letter a record; it will be redelivered", error),
        Effect.sync(() => message.nak(retryDelayMs(message.info.deliveryCount, settings.retryMaxMs)))
      )
    )
  )

export const settle = (
  nats: Nats.NatsClient,
  settings: SinkSettings,
  metrics: SinkMetrics,
  ackAll: AckAll,
  written: Written
) =>
  Effect.gen(function*() {
    ackAll(written.committed.map((item) => item.message))
    // One observation per batch, of its first (oldest) record: decoding the delivery info of
    // every message to time it cost more than a tenth of the sink's allocations.
    const first = written.committed[0]
    if (first !== undefined) {
      metrics.lagSeconds.observe(Math.max(0, Date.now() - first.message.info.timestampNanos / 1e6) / 1000)
    }
    metrics.records.inc({ outcome: "written" }, written.committed.length)
    for (const { item, error } of written.refused) {
      const message = item.message
      if (message.info.deliveryCount >= settings.maxDeliver) {
        yield* giveUp(nats, settings, metrics, message, { detail: error.message, ...(error.sqlstate ? { code: error.sqlstate } : {}) })
      } else {
        message.nak(retryDelayMs(message.info.deliveryCount, settings.retryMaxMs))
        metrics.records.inc({ outcome: "retried" })
        yield* Effect.logWarning("Postgres refused a record; it will be retried").pipe(
          Effect.annotateLogs({ subject: message.subject, error: error.message, deliveries: message.info.deliveryCount })
        )
      }
    }
  })

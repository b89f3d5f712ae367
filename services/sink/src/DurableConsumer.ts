/**
 * The durable pull consumer on `RECORDS` that every sink replica shares: JetStream hands
 * each message to one replica, so N replicas split the stream between them.
 *
 * `max_deliver` stays unlimited on the consumer: JetStream would otherwise drop a message
 * silently after an outage used up its deliveries. The sink counts deliveries itself and
 * dead-letters only records Postgres refused that many times (see `Settle`).
 */
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, ReplayPolicy } from "@nats-io/jetstream"
import type { Consumer, ConsumerConfig } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { Nats, Subjects } from "@tributary/core"
import type { Errors } from "@tributary/core"
import { Effect } from "effect"
import type { SinkSettings } from "./SinkSettings.js"

export const configFor = (ns: Nats.NatsClient["ns"], settings: SinkSettings): Partial<ConsumerConfig> => ({
  durable_name: settings.consumer,
  name: settings.consumer,
  filter_subject: Subjects.all(ns, "records"),
  ack_policy: AckPolicy.Explicit,
  ack_wait: nanos(settings.ackWaitMs),
  max_deliver: -1,
  deliver_policy: DeliverPolicy.All,
  replay_policy: ReplayPolicy.Instant,
  max_ack_pending: settings.maxAckPending
})

const isMissing = (error: unknown) =>
  error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound

/** Create the consumer, or bring a changed setting (ack wait, max ack pending) up to date. */
export const ensure = (settings: SinkSettings): Effect.Effect<Consumer, Errors.NatsError, Nats.Nats> =>
  Effect.gen(function*() {
    const { js, jsm, ns } = yield* Nats.Nats
    const stream = ns.streams.records
    const wanted = configFor(ns, settings)
    yield* Nats.tryNats(`ensure consumer ${settings.consumer}`, async () => {
      const info = await jsm.consumers.info(stream, settings.consumer).catch((error: unknown) => {
        if (isMissing(error)) return undefined
        throw error
      })
      if (info === undefined) {
        await jsm.consumers.add(stream, wanted)
        return
      }
      const { ack_wait, max_ack_pending, filter_subject } = wanted
      if (info.config.ack_wait !== ack_wait || info.config.max_ack_pending !== max_ack_pending ||
        info.config.filter_subject !== filter_subject) {
        await jsm.consumers.update(stream, settings.consumer, {
          ...(ack_wait === undefined ? {} : { ack_wait }),
          ...(max_ack_pending === undefined ? {} : { max_ack_pending }),
          ...(filter_subject === undefined ? {} : { filter_subject })
        })
      }
    })
    return yield* Nats.tryNats("open consumer", () => js.consumers.get(stream, settings.consumer))
  })

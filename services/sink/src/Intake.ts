/**
 * Messages from the durable consumer into a bounded buffer that the writers take batches
 * from. The buffer pushes back: while the writers are busy (or Postgres is down) the
 * reader stops pulling, so at most a few batches are held in memory. The reader is a
 * plain loop over the consumer's iterator: per message it does no more than push, which
 * keeps the event loop free for the writers' round trips to Postgres.
 *
 * Every message held (delivered, not yet acked) gets `+WPI` ("working") every third of
 * the ack wait, so a batch that waits out a Postgres outage is not redelivered to another
 * replica meanwhile. If the process dies, JetStream redelivers them after the ack wait.
 *
 * The reader and the heartbeat are parts of the sink (`Parts`): if either stops, the sink
 * stops. The reader stops when the consume gives up, which includes the durable consumer
 * having been deleted: nats.js would otherwise wait for it to come back, and nobody would
 * create it again, so the sink would take nothing while looking alive. A restarted sink
 * creates it again (and JetStream delivers the stream again from the start, which the
 * versioned upsert makes harmless).
 */
import type { Consumer, JsMsg } from "@nats-io/jetstream"
import { Nats } from "@tributary/core"
import { Effect, Schedule } from "effect"
import type { Scope } from "effect"
import type { Parts } from "./Parts.js"
import type { SinkSettings } from "./SinkSettings.js"

export interface Intake {
  /** At least one message, at most `batchSize`: whatever is waiting. */
  readonly take: Effect.Effect<ReadonlyArray<JsMsg>>
  /** Call once a message is acked, nacked or terminated. */
  readonly release: (messages: Iterable<JsMsg>) => void
}

export const start = (
  consumer: Consumer,
  settings: SinkSettings,
  parts: Parts
): Effect.Effect<Intake, never, Scope.Scope> =>
  Effect.gen(function*() {
    const capacity = settings.batchSize
    const buffered: Array<JsMsg> = []
    const held = new Set<JsMsg>()
    const takers: Array<() => void> = []
    let roomForMore: (() => void) | undefined

    const messages = yield* Effect.acquireRelease(
      Nats.tryNats("consume RECORDS", () => consumer.consume({ max_messages: settings.batchSize, expires: 30_000, abort_on_missing_resource: true }))
        .pipe(Effect.orDie),
      // `close()` would wait for the iterator to be read to its end, which nobody does any more.
      (messages) => Effect.sync(() => messages.stop())
    )
    yield* parts.forever("the RECORDS reader", Effect.promise(async () => {
      for await (const message of messages) {
        held.add(message)
        buffered.push(message)
        takers.shift()?.()
        if (buffered.length >= capacity) await new Promise<void>((resolve) => (roomForMore = resolve))
      }
    }))
    yield* parts.forever("the +WPI heartbeat", Effect.sync(() => {
      for (const message of held) message.working()
    }).pipe(Effect.repeat(Schedule.spaced(Math.max(250, Math.floor(settings.ackWaitMs / 3))))))

    const takeNow = (): ReadonlyArray<JsMsg> => {
      const batch = buffered.splice(0, settings.batchSize)
      const resume = roomForMore
      roomForMore = undefined
      resume?.()
      return batch
    }
    const take: Effect.Effect<ReadonlyArray<JsMsg>> = Effect.suspend(() =>
      buffered.length > 0
        ? Effect.succeed(takeNow())
        : Effect.zipRight(
          Effect.async<void>((resume) => {
            const wake = () => resume(Effect.void)
            takers.push(wake)
            return Effect.sync(() => {
              const at = takers.indexOf(wake)
              if (at >= 0) takers.splice(at, 1)
            })
          }),
          take
        )
    )
    return {
      take,
      release: (done) => {
        for (const message of done) held.delete(message)
      }
    }
  })

/**
 * Messages from the durable consumer into a bounded queue that the writers take batches
 * from. The queue pushes back: while the writers are busy (or Postgres is down) the
 * reader stops pulling, so at most a few batches are held in memory.
 *
 * Every message held (delivered, not yet acked) gets `+WPI` ("working") every third of
 * the ack wait, so a batch that waits out a Postgres outage is not redelivered to another
 * replica meanwhile. If the process dies, JetStream redelivers them after the ack wait.
 */
import type { Consumer, JsMsg } from "@nats-io/jetstream"
import { Nats } from "@tributary/core"
import { Chunk, Effect, Queue, Schedule } from "effect"
import type { Scope } from "effect"
import type { SinkSettings } from "./SinkSettings.js"

export interface Intake {
  /** At least one message, at most `batchSize`: whatever is waiting. */
  readonly take: Effect.Effect<ReadonlyArray<JsMsg>>
  /** Call once a message is acked, nacked or terminated. */
  readonly release: (messages: Iterable<JsMsg>) => void
}

export const start = (consumer: Consumer, settings: SinkSettings): Effect.Effect<Intake, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.bounded<JsMsg>(settings.batchSize), Queue.shutdown)
    const held = new Set<JsMsg>()
    const messages = yield* Effect.acquireRelease(
      Nats.tryNats("consume RECORDS", () => consumer.consume({ max_messages: settings.batchSize, expires: 30_000 }))
        .pipe(Effect.orDie),
      // `close()` would wait for the iterator to be read to its end, which nobody does any more.
      (messages) => Effect.sync(() => messages.stop())
    )
    const iterator = messages[Symbol.asyncIterator]()
    yield* Effect.promise(() => iterator.next()).pipe(
      Effect.flatMap((next) => {
        if (next.done === true) return Effect.die(new Error("the RECORDS consumer stopped"))
        held.add(next.value)
        return Queue.offer(queue, next.value)
      }),
      Effect.forever,
      Effect.forkScoped
    )
    yield* Effect.sync(() => {
      for (const message of held) message.working()
    }).pipe(Effect.repeat(Schedule.spaced(Math.max(250, Math.floor(settings.ackWaitMs / 3)))), Effect.forkScoped)
    return {
      take: Effect.map(Queue.takeBetween(queue, 1, settings.batchSize), Chunk.toReadonlyArray),
      release: (done) => {
        for (const message of done) held.delete(message)
      }
    }
  })

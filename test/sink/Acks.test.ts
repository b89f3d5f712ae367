/** A committed batch's acks go to NATS as one command, and JetStream takes every one of them. */
import { AckPolicy } from "@nats-io/jetstream"
import type { JsMsg } from "@nats-io/jetstream"
import { Acks } from "@tributary/sink"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Harness from "./Harness.js"

describe("sink: acks of a batch", () => {
  it.scopedLive("are all taken by JetStream, and the messages count as acked", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const stream = env.ns.streams.records
      yield* Harness.publish(env, Array.from({ length: 300 }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx: 1 })))
      yield* Effect.promise(() =>
        env.nats.jsm.consumers.add(stream, { durable_name: "acks", ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 }))
      const consumer = yield* Effect.promise(() => env.nats.js.consumers.get(stream, "acks"))
      const messages: Array<JsMsg> = []
      while (messages.length < 300) {
        const batch = yield* Effect.promise(async () => {
          const fetched: Array<JsMsg> = []
          for await (const message of await consumer.fetch({ max_messages: 300 - messages.length, expires: 5_000 })) fetched.push(message)
          return fetched
        })
        messages.push(...batch)
      }
      expect(Acks.inOneCommand(env.nats.nc)).toBe(true)
      const before = env.nats.nc.stats().outMsgs
      Acks.make(env.nats.nc)(messages)
      expect(env.nats.nc.stats().outMsgs - before).toBe(300)
      yield* Harness.until("no pending acks", Effect.promise(() =>
        env.nats.jsm.consumers.info(stream, "acks").then((i) => i.num_ack_pending === 0 && i.num_pending === 0 && i.ack_floor.stream_seq === 300)))
      // As after `ack()`: acking again, or saying "working", sends nothing.
      const after = env.nats.nc.stats().outMsgs
      for (const message of messages) {
        message.ack()
        message.working()
      }
      Acks.make(env.nats.nc)(messages)
      expect(env.nats.nc.stats().outMsgs).toBe(after)
    }), 60_000)
})

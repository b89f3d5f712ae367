/** A record Postgres refuses is retried, then moved to the dead-letter stream; every other record lands. */
import { DeadLetters } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Harness from "./Harness.js"

describe("sink: poison records", () => {
  it.scopedLive("go to the dead-letter stream after max_deliver attempts, with the error", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      // The user's own rule on our table: a record that breaks it can never be written.
      yield* Harness.publish(env, [Harness.record({ upstreamId: "cus_first", updatedIdx: 1 })])
      const replica = yield* Harness.replica(env, { maxDeliver: 3, retryMaxMs: 200, batchSize: 100 })
      yield* Harness.until("the table", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 1))
      yield* Harness.rows(env,
        "alter table stripe.customers add constraint no_poison check (email is distinct from 'poison@example.com')")
      const poison = Harness.record({ upstreamId: "cus_poison", updatedIdx: 1,
        data: { id: "cus_poison", email: "poison@example.com" } })
      const good = Array.from({ length: 499 }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx: 1 }))
      yield* Harness.publish(env, [...good.slice(0, 250), poison, ...good.slice(250)])
      yield* Harness.until("every good record", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 500))
      yield* Harness.until("the dead letter", Effect.map(Harness.deadLetters(env), (found) => found.length === 1))
      const [letter] = yield* Harness.deadLetters(env)
      expect(letter!.subject).toBe(`${env.ns.root}.deadletters.sink.${Harness.SYNC}.stripe_customer.cus_poison`)
      expect(letter!.headers?.get(DeadLetters.CODE)).toBe("23514")
      expect(letter!.headers?.get(DeadLetters.REASON)).toContain("no_poison")
      expect(letter!.headers?.get(DeadLetters.DELIVERIES)).toBe("3")
      expect(JSON.parse(letter!.body)).toMatchObject({ upstream_id: "cus_poison" })
      const retried = yield* Effect.promise(() => replica.metrics.records.get())
      expect(retried.values.find((v) => v.labels.outcome === "retried")?.value).toBe(2)
      // Nothing is left unacked on the consumer, which never drops a message by itself.
      const info = yield* Effect.promise(() => env.nats.jsm.consumers.info(env.ns.streams.records, "sink"))
      yield* Harness.until("no pending acks", Effect.promise(() =>
        env.nats.jsm.consumers.info(env.ns.streams.records, "sink").then((i) => i.num_ack_pending === 0 && i.num_pending === 0)))
      expect(info.config.max_deliver).toBe(-1)
    }), 90_000)
})

/** Soft and hard deletes through the sink, and the tombstone that keeps a hard-deleted row deleted. */
import { Log, Nats, Secrets, SyncStore } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as Harness from "./Harness.js"

const versionOf = (env: Harness.Env, upstreamId: string) =>
  Effect.map(
    Harness.rows<{ updated_idx: string; deleted: boolean }>(env,
      "select updated_idx, deleted from stripe.customers where upstream_id = $1", [upstreamId]),
    (rows) => rows[0] === undefined ? undefined : { idx: Number(rows[0].updated_idx), deleted: rows[0].deleted }
  )

describe("sink: deletes", () => {
  it.scopedLive("soft (the default): the row stays, marked deleted", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      yield* Harness.replica(env)
      yield* Harness.publish(env, [Harness.record({ upstreamId: "cus_1", updatedIdx: 1 })])
      yield* Harness.until("the row", Effect.map(versionOf(env, "cus_1"), (v) => v?.idx === 1))
      yield* Harness.publish(env, [Harness.record({ upstreamId: "cus_1", updatedIdx: 2, deleted: true })])
      yield* Harness.until("the row marked deleted", Effect.map(versionOf(env, "cus_1"), (v) => v?.deleted === true))
    }))

  it.scopedLive("hard (set on the sync): the row goes, and a late older update does not bring it back", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      yield* SyncStore.create({ id: Harness.SYNC, source: "stripe", api_key: "sk_test_x", delete_mode: "hard" }).pipe(
        Effect.provide(Layer.mergeAll(Layer.succeed(Nats.Nats, env.nats),
          Secrets.layer(Redacted.make("0123456789abcdef0123456789abcdef")), Log.layer("test", "warn"))),
        Effect.orDie
      )
      const replica = yield* Harness.replica(env)
      yield* Harness.publish(env, [
        Harness.record({ upstreamId: "cus_1", updatedIdx: 3 }),
        Harness.record({ upstreamId: "cus_2", updatedIdx: 3 })
      ])
      yield* Harness.until("the rows", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 2))
      yield* Harness.publish(env, [Harness.record({ upstreamId: "cus_1", updatedIdx: 5, deleted: true })])
      yield* Harness.until("the row gone", Effect.map(versionOf(env, "cus_1"), (v) => v === undefined))
      // The late, older update replaces the delete in RECORDS and reaches the sink: the tombstone stops it.
      yield* Harness.publish(env, [Harness.record({ upstreamId: "cus_1", updatedIdx: 4 })])
      yield* Harness.until("the late update committed", Effect.map(Harness.written(replica), (n) => n === 4))
      expect(yield* versionOf(env, "cus_1")).toBeUndefined()
      expect(yield* versionOf(env, "cus_2")).toEqual({ idx: 3, deleted: false })
      const tombstones = yield* Harness.rows(env, "select updated_idx from tributary.tombstones")
      expect(tombstones).toEqual([{ updated_idx: "5" }])
    }))
})

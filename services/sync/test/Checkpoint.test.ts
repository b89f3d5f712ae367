/**
 * The checkpoint store against a real nats-server: saves of the latest state that queue up
 * are served by fewer writes, yet every call returns only once its state is stored.
 */
import { Nats } from "@tributary/core"
import type { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Deferred, Effect, Fiber, Ref } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Checkpoint from "../src/state/Checkpoint.js"

const ns = Fixtures.namespace()
const layer = Nats.layer(Fixtures.natsSettings(ns))
const run = <A, E>(effect: Effect.Effect<A, E, Nats.Nats>) => Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)))
const sync = "sync_checkpoint_test" as Ids.SyncId

const stored = Effect.gen(function*() {
  const { kvm } = yield* Nats.Nats
  const kv = yield* Effect.promise(() => kvm.open(ns.buckets.checkpoints))
  const entry = yield* Effect.promise(() => kv.get(Checkpoint.key(sync)))
  return { revision: entry?.revision ?? 0, checkpoint: entry?.json<Checkpoint.Checkpoint>() }
})

beforeAll(() =>
  run(Effect.gen(function*() {
    const { kvm } = yield* Nats.Nats
    yield* Effect.promise(() => kvm.create(ns.buckets.checkpoints, { history: 1 }))
  })))

afterAll(() =>
  run(Effect.gen(function*() {
    const { jsm } = yield* Nats.Nats
    yield* Effect.promise(() => jsm.streams.delete(`KV_${ns.buckets.checkpoints}`))
  })))

describe("Checkpoint.saveLatest", () => {
  it("coalesces saves that queue up, and each returns with its state stored", async () => {
    const result = await run(Effect.gen(function*() {
      const store = yield* Checkpoint.open(sync)
      const state = yield* Ref.make(Checkpoint.empty(1))
      yield* store.save(yield* Ref.get(state))
      const before = yield* stored
      // Twenty pages done at once: each updates the state, then saves the latest.
      const seen = yield* Effect.forEach(Array.from({ length: 20 }, (_, i) => i + 1), (page) =>
        Effect.gen(function*() {
          yield* Ref.update(state, (s) => ({ ...s, row_counts: { ...s.row_counts, [`page_${page}`]: page } }))
          yield* store.saveLatest(Ref.get(state))
          // Back from the save: what is stored holds this page.
          return (yield* stored).checkpoint?.row_counts[`page_${page}`]
        }), { concurrency: "unbounded" })
      const after = yield* stored
      return { seen, writes: after.revision - before.revision, final: after.checkpoint }
    }))
    expect(result.seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(result.writes).toBeGreaterThan(0)
    expect(result.writes).toBeLessThan(20)
    expect(Object.keys(result.final?.row_counts ?? {})).toHaveLength(20)
  })

  it("writes the latest state again when a save of a given checkpoint came between", async () => {
    const final = await run(Effect.gen(function*() {
      const store = yield* Checkpoint.open(sync)
      const state = yield* Ref.make({ ...Checkpoint.empty(2), row_counts: { latest: 1 } })
      const gate = yield* Deferred.make<void>()
      // A write holds the store while, in this order, a save of the latest state, a save of
      // a given checkpoint and another save of the latest state queue up behind it.
      const holding = yield* Effect.fork(store.saveLatest(Effect.zipRight(Deferred.await(gate), Ref.get(state))))
      yield* Effect.yieldNow()
      const first = yield* Effect.fork(store.saveLatest(Ref.get(state)))
      yield* Effect.yieldNow()
      const given = yield* Effect.fork(store.save(Checkpoint.empty(3)))
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(store.saveLatest(Ref.get(state)))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      for (const fiber of [holding, first, given, second]) yield* Fiber.join(fiber)
      return (yield* stored).checkpoint
    }))
    // The first save's write covered the second's call, but the given checkpoint came after.
    expect(final?.generation).toBe(2)
    expect(final?.row_counts).toEqual({ latest: 1 })
  })
})

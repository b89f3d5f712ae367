/**
 * The status reporter against a real nats-server: the once-a-second write and the write on a
 * phase change never leave an older state in the bucket after a newer one, and a write that
 * fails is made again without waiting for the next change.
 */
import { Kvm } from "@nats-io/kv"
import type { KV, KvOptions } from "@nats-io/kv"
import { Nats, SyncStatus } from "@tributary/core"
import type { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Effect, Fiber, Layer } from "effect"
import type { Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Status from "../src/actor/Status.js"
import * as Metrics from "../src/Metrics.js"

const ns = Fixtures.namespace()
const settings = Fixtures.natsSettings(ns)

/**
 * A put held back before it is sent, as when the writing fiber is preempted between reading
 * the state and the put, or is slow to get to it: `reached` once the put is called, `stored`
 * once NATS has stored it.
 */
interface HeldPut {
  readonly reached: Promise<void>
  readonly release: () => void
  readonly stored: Promise<void>
}

let holdNext: ((put: () => Promise<number>) => Promise<number>) | undefined
const holdNextPut = (): HeldPut => {
  let reached!: () => void
  let release!: () => void
  let stored!: () => void
  const held: HeldPut = {
    reached: new Promise((resolve) => (reached = resolve)),
    release: () => release(),
    stored: new Promise((resolve) => (stored = resolve))
  }
  const gate = new Promise<void>((resolve) => (release = resolve))
  holdNext = async (put) => {
    reached()
    await gate
    const revision = await put()
    stored()
    return revision
  }
  return held
}

/** A real bucket whose next put, once armed with `holdNextPut`, waits for the test. */
class HoldingKvm extends Kvm {
  override async open(name: string, opts?: Partial<KvOptions>): Promise<KV> {
    const kv = await super.open(name, opts)
    const put = kv.put.bind(kv)
    return Object.assign(kv, {
      put: (...args: Parameters<KV["put"]>) => {
        const hold = holdNext
        holdNext = undefined
        return hold === undefined ? put(...args) : hold(() => put(...args))
      }
    })
  }
}

const layer = Layer.merge(
  Layer.scoped(Nats.Nats, Effect.map(Nats.make(settings), (client) => ({ ...client, kvm: new HoldingKvm(client.js) }))),
  Metrics.layer
)
const run = <A, E>(effect: Effect.Effect<A, E, Nats.Nats | Metrics.Metrics | Scope.Scope>) => Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)))

/** What the bucket holds as the sync's status. */
const storedStatus = (sync: Ids.SyncId) =>
  Effect.gen(function*() {
    const { kvm } = yield* Nats.Nats
    const kv = yield* Effect.promise(() => kvm.open(ns.buckets.checkpoints))
    return async () => {
      const entry = await kv.get(SyncStatus.key(sync))
      return entry === null || entry.operation !== "PUT" ? undefined : entry.json<typeof SyncStatus.SyncStatus.Encoded>()
    }
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

describe("Status", () => {
  it("leaves the newest phase in the bucket when a phase change is written while the periodic write is on its way", async () => {
    const sync = "sync_status_order" as Ids.SyncId
    const stored = await run(Effect.gen(function*() {
      // The reporter's first periodic write (of `pending`) is held before it is sent.
      const held = holdNextPut()
      const status = yield* Status.make(sync, "r1")
      yield* Effect.promise(() => held.reached)
      const moving = yield* Effect.fork(status.move("start_backfill"))
      yield* Effect.promise(() => Fixtures.waitFor("the reporter to take the new phase", async () =>
        (await Effect.runPromise(status.state)).phase === "backfilling" ? true : undefined))
      held.release()
      yield* Effect.promise(() => held.stored)
      yield* Fiber.join(moving)
      return yield* Effect.promise(yield* storedStatus(sync))
    }))
    expect(stored?.phase).toBe("backfilling")
  })

  it("writes a phase change again when its write failed, though nothing changes after it", async () => {
    const sync = "sync_status_retry" as Ids.SyncId
    const stored = await run(Effect.gen(function*() {
      const { kvm, jsm } = yield* Nats.Nats
      const read = yield* storedStatus(sync)
      const status = yield* Status.make(sync, "r1")
      yield* Effect.promise(() => Fixtures.waitFor("the first status", read))
      // The bucket is gone while the sync is paused: the write of `paused` fails.
      yield* Effect.promise(() => jsm.streams.delete(`KV_${ns.buckets.checkpoints}`))
      yield* status.move("pause")
      yield* Effect.promise(() => kvm.create(ns.buckets.checkpoints, { history: 1 }))
      return yield* Effect.promise(() => Fixtures.waitFor("the paused status written again", async () => {
        const written = await read()
        return written?.phase === "paused" ? written : undefined
      }, { timeoutMs: 5_000 }))
    }))
    expect(stored.phase).toBe("paused")
  })
})

/**
 * The status reporter against a real nats-server: the once-a-second write and the write on a
 * phase change never leave an older state in the bucket after a newer one, a write that
 * fails is made again without waiting for the next change, and an actor that lost its lease
 * (its replica paused through a handover) never writes over the new owner's status.
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
import * as Leases from "../src/replica/Leases.js"

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

/** A real bucket whose next write (put, create or update), once armed with `holdNextPut`, waits for the test. */
class HoldingKvm extends Kvm {
  override async open(name: string, opts?: Partial<KvOptions>): Promise<KV> {
    const kv = await super.open(name, opts)
    const held = <A extends ReadonlyArray<unknown>>(write: (...args: A) => Promise<number>) => (...args: A) => {
      const hold = holdNext
      holdNext = undefined
      return hold === undefined ? write(...args) : hold(() => write(...args))
    }
    return Object.assign(kv, {
      put: held(kv.put.bind(kv)),
      create: held(kv.create.bind(kv)),
      update: held(kv.update.bind(kv))
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

/**
 * Give the sync's lease to `owner`, as a replica taking it does; an actor runs only while its
 * replica holds the lease.
 */
const giveLease = (sync: Ids.SyncId, owner: string) =>
  Effect.gen(function*() {
    const client = yield* Nats.Nats
    const kv = yield* Effect.promise(() => client.kvm.open(ns.buckets.leases))
    const entry = yield* Effect.promise(() => kv.get(sync))
    const revision = yield* Effect.orDie(Leases.acquire(client, kv, sync, owner, entry === null ? undefined : entry.revision))
    if (revision === undefined) return yield* Effect.die(new Error(`could not give the lease of ${sync} to ${owner}`))
  })

beforeAll(() =>
  run(Effect.gen(function*() {
    const { kvm } = yield* Nats.Nats
    yield* Effect.promise(() => kvm.create(ns.buckets.checkpoints, { history: 1 }))
    yield* Effect.promise(() => kvm.create(ns.buckets.leases, { history: 1 }))
  })))

afterAll(() =>
  run(Effect.gen(function*() {
    const { jsm } = yield* Nats.Nats
    yield* Effect.promise(() => jsm.streams.delete(`KV_${ns.buckets.checkpoints}`))
    yield* Effect.promise(() => jsm.streams.delete(`KV_${ns.buckets.leases}`))
  })))

/** Wait until the bucket holds a status `owner` wrote, and return it. */
const statusOf = (read: () => Promise<typeof SyncStatus.SyncStatus.Encoded | undefined>, owner: string) =>
  Effect.promise(() => Fixtures.waitFor(`a status written by ${owner}`, async () => {
    const written = await read()
    return written?.owner === owner ? written : undefined
  }, { timeoutMs: 5_000 }))

describe("Status", () => {
  it("leaves the newest phase in the bucket when a phase change is written while the periodic write is on its way", async () => {
    const sync = "sync_status_order" as Ids.SyncId
    const stored = await run(Effect.gen(function*() {
      yield* giveLease(sync, "r1")
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
      yield* giveLease(sync, "r1")
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

  /** Replica r1 holds the sync's lease, and its actor's first status is stored. */
  const reportedByR1 = (sync: Ids.SyncId) =>
    Effect.gen(function*() {
      const read = yield* storedStatus(sync)
      yield* giveLease(sync, "r1")
      const first = yield* Status.make(sync, "r1")
      yield* statusOf(read, "r1")
      return { read, first }
    })

  it("never writes over the status of the replica that took the sync over", async () => {
    const sync = "sync_status_taken_over" as Ids.SyncId
    const stored = await run(Effect.gen(function*() {
      const { read, first } = yield* reportedByR1(sync)
      // r1's replica is paused past the TTL: r2 takes the lease and its actor reports.
      yield* giveLease(sync, "r2")
      yield* Status.make(sync, "r2")
      yield* statusOf(read, "r2")
      // r1 goes on, not knowing yet: its phase change is written (or not) once `move` returns.
      yield* first.move("start_backfill")
      return yield* Effect.promise(read)
    }))
    expect(stored).toMatchObject({ owner: "r2", phase: "pending" })
  })

  it("writes the new owner's status over one the old owner wrote after the takeover, and the old owner's after that are not stored", async () => {
    const sync = "sync_status_late_old_owner" as Ids.SyncId
    const stored = await run(Effect.gen(function*() {
      const { read, first } = yield* reportedByR1(sync)
      yield* giveLease(sync, "r2")
      // The new owner's first write is held back; meanwhile the old owner, not knowing yet, writes.
      const held = holdNextPut()
      yield* Status.make(sync, "r2")
      yield* Effect.promise(() => held.reached)
      yield* first.move("start_backfill")
      expect(yield* Effect.promise(read)).toMatchObject({ owner: "r1", phase: "backfilling" })
      held.release()
      yield* statusOf(read, "r2")
      yield* first.move("backfill_complete")
      return yield* Effect.promise(read)
    }))
    expect(stored).toMatchObject({ owner: "r2", phase: "pending" })
  })
})

import { describe, expect, it } from "vitest"
import * as KeyedLock from "../src/publish/KeyedLock.js"
import * as Leases from "../src/replica/Leases.js"

describe("Leases", () => {
  it("is free from when the watch saw its release, or a TTL after its last revision was seen", () => {
    const held = { revision: 3, owner: "a", held: true, seenAt: 1_000 }
    expect(Leases.freeFrom({ ...held, held: false }, 5_000)).toBe(1_000)
    expect(Leases.freeFrom(held, 5_000)).toBe(6_000)
  })

  it("lets a busy replica that can run a declined sync take it first, counted from the release, not from its round", () => {
    const ttl = 3_000
    // The replica that cannot run the sync declines it at 10 s and lets the lease go; the
    // others' watches see the delete a little later.
    const declinedAt = 10_000
    const released = { revision: 7, owner: undefined, held: false, seenAt: declinedAt + 50 }
    const declining = { lease: released, knownSince: 0, declinedUntil: declinedAt + Leases.declineMs(1, ttl) }
    const capable = { lease: released, knownSince: 0, declinedUntil: 0 }
    for (const owned of [0, 10, 33, 100, 1_000]) {
      const busy = Leases.takeableAt(capable, owned, ttl, 1)
      expect(busy, `${owned} actors`).toBeLessThan(declining.declinedUntil)
      expect(busy, `${owned} actors`).toBeLessThan(Leases.takeableAt(declining, 0, ttl, 0))
    }
    // A new sync, without a lease yet, is free since a round here first saw it; an unrenewed one a TTL after its last revision.
    expect(Leases.takeableAt({ lease: undefined, knownSince: 500, declinedUntil: 0 }, 2, ttl, 0)).toBe(800)
    expect(Leases.takeableAt({ lease: { ...released, held: true }, knownSince: 0, declinedUntil: 0 }, 0, ttl, 0)).toBe(declinedAt + 50 + ttl)
  })

  it("makes busier replicas wait longer for a free lease, never as long as a replica that cannot run the sync leaves it", () => {
    expect(Leases.spreadDelayMs(0, 5_000, 0)).toBe(0)
    expect(Leases.spreadDelayMs(4, 5_000, 0)).toBeGreaterThan(Leases.spreadDelayMs(1, 5_000, 1))
    for (const owned of [16, 34, 100, 1_000]) {
      expect(Leases.spreadDelayMs(owned, 5_000, 1)).toBeLessThan(Leases.declineMs(1, 5_000))
    }
    expect(Leases.ownerOf(Leases.value("replica-1"))).toBe("replica-1")
  })

  it("draws the spread delay's random part once per replica and sync", () => {
    const drawn = Leases.jitter("replica-a", "sync_1")
    expect(Leases.jitter("replica-a", "sync_1")).toBe(drawn)
    expect(drawn).toBeGreaterThanOrEqual(0)
    expect(drawn).toBeLessThan(1)
    const syncs = Array.from({ length: 100 }, (_, i) => `sync_${i}`)
    const differ = syncs.filter((sync) => Leases.jitter("replica-a", sync) !== Leases.jitter("replica-b", sync))
    expect(differ).toHaveLength(100)
    expect(new Set(syncs.map((sync) => Math.floor(Leases.jitter("replica-a", sync) * 4))).size).toBe(4)
  })

  it("leaves a sync it cannot run to the others for the TTL, doubling each time, up to 12 TTLs", () => {
    expect([1, 2, 3, 4, 5, 9].map((times) => Leases.declineMs(times, 5_000))).toStrictEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000])
  })
})

describe("KeyedLock", () => {
  it("runs tasks of one key in turn, in the order given, and other keys alongside", async () => {
    const lock = KeyedLock.make()
    const order: Array<string> = []
    const task = (name: string, ms: number) => () =>
      new Promise<void>((resolve) => setTimeout(() => {
        order.push(name)
        resolve()
      }, ms))
    await Promise.all([lock.run("a", task("a1", 30)), lock.run("a", task("a2", 1)), lock.run("b", task("b1", 10))])
    expect(order).toStrictEqual(["b1", "a1", "a2"])
  })
})

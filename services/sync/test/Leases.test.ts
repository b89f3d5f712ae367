import { describe, expect, it } from "vitest"
import * as KeyedLock from "../src/publish/KeyedLock.js"
import * as Leases from "../src/replica/Leases.js"

describe("Leases", () => {
  it("is free when absent, released, or not renewed within the TTL", () => {
    const held = { revision: 3, owner: "a", held: true, seenAt: 1_000 }
    expect(Leases.isFree(undefined, 1_000, 5_000)).toBe(true)
    expect(Leases.isFree({ ...held, held: false }, 1_000, 5_000)).toBe(true)
    expect(Leases.isFree(held, 5_999, 5_000)).toBe(false)
    expect(Leases.isFree(held, 6_001, 5_000)).toBe(true)
  })

  it("makes busier replicas wait longer for a free lease, never as long as a replica that cannot run the sync leaves it", () => {
    expect(Leases.spreadDelayMs(0, 5_000, 0)).toBe(0)
    expect(Leases.spreadDelayMs(4, 5_000, 0)).toBeGreaterThan(Leases.spreadDelayMs(1, 5_000, 1))
    for (const owned of [16, 34, 100, 1_000]) {
      expect(Leases.spreadDelayMs(owned, 5_000, 1)).toBeLessThan(Leases.declineMs(1, 5_000))
    }
    expect(Leases.ownerOf(Leases.value("replica-1"))).toBe("replica-1")
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

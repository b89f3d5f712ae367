import { describe, expect, it } from "vitest"
import * as TokenBucket from "../src/budget/TokenBucket.js"

describe("TokenBucket", () => {
  it("hands out a burst at once, then one token per interval, in order", () => {
    let bucket = TokenBucket.make(100, 3, 0)
    const waits: Array<number> = []
    for (let i = 0; i < 6; i++) {
      const taken = TokenBucket.take(bucket, 0)
      bucket = taken.bucket
      waits.push(taken.waitMs)
    }
    expect(waits).toStrictEqual([0, 0, 0, 10, 20, 30])
  })

  it("never exceeds the rate over any window once the burst is spent", () => {
    let bucket = TokenBucket.make(100, 10, 0)
    const at: Array<number> = []
    for (let i = 0; i < 1000; i++) {
      const taken = TokenBucket.take(bucket, 0)
      bucket = taken.bucket
      at.push(taken.waitMs)
    }
    const inFirstSecond = at.filter((t) => t < 1000).length
    expect(inFirstSecond).toBeLessThanOrEqual(100 + 10)
    expect(at[999]).toBe(9900)
  })

  it("pauses when the upstream says it is over its limit", () => {
    const bucket = TokenBucket.pauseUntil(TokenBucket.make(100, 1, 0), 500)
    expect(TokenBucket.take(bucket, 0).waitMs).toBe(500)
  })
})

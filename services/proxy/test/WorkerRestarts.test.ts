import { describe, expect, it } from "vitest"
import { restartDelayMs } from "../src/Workers.js"

describe("replacing a proxy worker that exited", () => {
  it("is at once after a healthy run", () => {
    expect(restartDelayMs(30_000, 0)).toBe(0)
    expect(restartDelayMs(3_600_000, 10_000)).toBe(0)
  })

  it("backs off, doubling from 100 ms to at most 10 s, while workers keep exiting soon after they start", () => {
    const delays: Array<number> = []
    let delay = 0
    for (let i = 0; i < 10; i++) {
      delay = restartDelayMs(500, delay)
      delays.push(delay)
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000, 10_000])
  })

  it("starts from the beginning again after a healthy run", () => {
    expect(restartDelayMs(5_000, restartDelayMs(60_000, 10_000))).toBe(100)
  })
})

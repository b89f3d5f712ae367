import { describe, expect, it } from "vitest"
import * as RetryAfter from "../src/delivery/RetryAfter.js"

describe("Retry-After for waiting requests", () => {
  const now = 1_000_000

  it("is the whole seconds until the first waiter runs out of wait_for, rounded up", () => {
    expect(RetryAfter.untilFirstWaiterEnds([{ until: now + 30_000 }, { until: now + 12_400 }, { until: now + 59_000 }], now)).toBe(13)
    expect(RetryAfter.untilFirstWaiterEnds([{ until: now + 1_001 }], now)).toBe(2)
  })

  it("is never under 1 s: a no-wait request, or one past its wait_for still answering", () => {
    expect(RetryAfter.untilFirstWaiterEnds([{ until: now }], now)).toBe(1)
    expect(RetryAfter.untilFirstWaiterEnds([{ until: now - 5_000 }, { until: now + 40_000 }], now)).toBe(1)
    expect(RetryAfter.untilFirstWaiterEnds([{ until: now + 1 }], now)).toBe(1)
    expect(RetryAfter.untilFirstWaiterEnds([], now)).toBe(1)
  })
})

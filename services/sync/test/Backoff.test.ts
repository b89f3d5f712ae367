import { describe, expect, it } from "vitest"
import * as Backoff from "../src/budget/Backoff.js"

describe("Backoff.delay", () => {
  it("waits between half the exponential bound and the bound (equal jitter)", () => {
    expect(Backoff.delay(Backoff.patient, 1, 0)).toBe(500)
    expect(Backoff.delay(Backoff.patient, 1, 1)).toBe(1_000)
    expect(Backoff.delay(Backoff.patient, 3, 0)).toBe(2_000)
    expect(Backoff.delay(Backoff.patient, 3, 1)).toBe(4_000)
  })

  it("stops doubling at the policy's ceiling", () => {
    expect(Backoff.delay(Backoff.patient, 20, 1)).toBe(30_000)
    expect(Backoff.delay(Backoff.patient, 20, 0)).toBe(15_000)
    expect(Backoff.delay(Backoff.prompt, 20, 1)).toBe(5_000)
  })
})

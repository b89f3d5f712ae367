import { describe, expect, it } from "vitest"
import * as Lifecycle from "../src/actor/Lifecycle.js"

describe("Lifecycle", () => {
  it("walks a sync from pending through backfill to live", () => {
    let phase: Lifecycle.Phase = "pending"
    for (const trigger of ["start_backfill", "backfill_complete", "caught_up"] as const) {
      phase = Lifecycle.transition(phase, trigger)
    }
    expect(phase).toBe("live")
  })

  it("re-backfills when the cursor expired, and fails on a refused key from any running phase", () => {
    expect(Lifecycle.transition("live", "cursor_expired")).toBe("backfilling")
    for (const phase of ["pending", "backfilling", "catching_up", "live"] as const) {
      expect(Lifecycle.transition(phase, "auth_failed")).toBe("failed")
    }
    expect(Lifecycle.transition("failed", "key_accepted")).toBe("pending")
    expect(Lifecycle.transition("failed", "config_changed")).toBe("pending")
  })

  it("restarts with a changed config from any running phase, and catches up again after falling behind", () => {
    for (const phase of ["backfilling", "catching_up", "live", "failed"] as const) {
      expect(Lifecycle.transition(phase, "config_changed")).toBe("pending")
    }
    expect(Lifecycle.transition("live", "fell_behind")).toBe("catching_up")
    expect(Lifecycle.transition("catching_up", "caught_up")).toBe("live")
  })

  it("refuses a move the table does not list", () => {
    expect(() => Lifecycle.transition("paused", "caught_up")).toThrow(Lifecycle.InvalidTransition)
    expect(Lifecycle.next("failed", "caught_up")).toBeUndefined()
  })
})

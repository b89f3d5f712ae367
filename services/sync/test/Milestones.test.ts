import { describe, expect, it } from "vitest"
import * as Milestones from "../src/state/Milestones.js"

const at = "2026-01-01T00:00:00.000Z"

describe("Milestones.plan", () => {
  it("starts fresh without milestones", () => {
    expect(Milestones.plan([], 1)).toStrictEqual({ _tag: "Fresh", generation: 1 })
  })

  it("resumes an unfinished backfill with the cursor taken before it", () => {
    const started: Milestones.Milestone = { _tag: "backfill_started", at, generation: 1, cursor: { position: 5 }, collections: [] }
    expect(Milestones.plan([started], 1)).toStrictEqual({ _tag: "ResumeBackfill", generation: 1, cursor: { position: 5 } })
  })

  it("follows changes after a complete backfill, and knows whether it had caught up", () => {
    const complete: Milestones.Milestone = { _tag: "backfill_complete", at, generation: 1, cursor: "c", row_counts: {} }
    const caughtUp: Milestones.Milestone = { _tag: "events_caught_up", at, generation: 1, cursor: "d" }
    expect(Milestones.plan([complete], 1)).toMatchObject({ _tag: "FollowChanges", cursor: "c", caughtUp: false })
    expect(Milestones.plan([complete, caughtUp], 1)).toMatchObject({ _tag: "FollowChanges", cursor: "d", caughtUp: true })
  })

  it("tries the refused key of the config that failed before resuming, and resumes a changed config from where it was", () => {
    const complete: Milestones.Milestone = { _tag: "backfill_complete", at, generation: 2, cursor: "c", row_counts: {} }
    const failed: Milestones.Milestone = { _tag: "failed", at, reason: "bad key", config_revision: 3 }
    expect(Milestones.plan([complete, failed], 3)).toStrictEqual({
      _tag: "KeyRefused",
      reason: "bad key",
      resume: { _tag: "FollowChanges", generation: 2, cursor: "c", caughtUp: false }
    })
    expect(Milestones.plan([complete, failed], 4)).toMatchObject({ _tag: "FollowChanges", generation: 2 })
    const changed: Milestones.Milestone = { _tag: "config_changed", at, config_revision: 3 }
    expect(Milestones.plan([complete, failed, changed], 3)).toMatchObject({ _tag: "FollowChanges", generation: 2 })
  })

  it("resumes from progress, whatever the config changes and falls behind logged after it", () => {
    const caughtUp: Milestones.Milestone = { _tag: "events_caught_up", at, generation: 1, cursor: "d" }
    const behind: Milestones.Milestone = { _tag: "fell_behind", at, generation: 1, detail: "outage" }
    const changed: Milestones.Milestone = { _tag: "config_changed", at, config_revision: 2 }
    expect(Milestones.plan([caughtUp, behind, changed], 2)).toStrictEqual({ _tag: "FollowChanges", generation: 1, cursor: "d", caughtUp: true })
  })

  it("backfills again, as a new generation, after the cursor expired", () => {
    const expired: Milestones.Milestone = { _tag: "cursor_expired", at, generation: 2, detail: "30 days" }
    expect(Milestones.plan([expired], 1)).toStrictEqual({ _tag: "Fresh", generation: 3 })
  })

  it("resumes without trying the key first once the log says the failure is over", () => {
    const complete: Milestones.Milestone = { _tag: "backfill_complete", at, generation: 1, cursor: "c", row_counts: {} }
    const failed: Milestones.Milestone = { _tag: "failed", at, reason: "bad key", config_revision: 3 }
    const accepted: Milestones.Milestone = { _tag: "key_accepted", at, config_revision: 3 }
    expect(Milestones.plan([complete, failed, accepted], 3)).toStrictEqual({ _tag: "FollowChanges", generation: 1, cursor: "c", caughtUp: false })
  })
})

describe("Milestones.alreadyFailed", () => {
  const failed: Milestones.Milestone = { _tag: "failed", at, reason: "bad key", config_revision: 3 }

  it("says a failure the log's last milestone records is logged already", () => {
    expect(Milestones.alreadyFailed([failed], 3, "bad key")).toBe(true)
  })

  it("logs a failure again with another reason, another config revision, or after the failure ended", () => {
    expect(Milestones.alreadyFailed([], 3, "bad key")).toBe(false)
    expect(Milestones.alreadyFailed([failed], 3, "undecryptable key")).toBe(false)
    expect(Milestones.alreadyFailed([failed], 4, "bad key")).toBe(false)
    expect(Milestones.alreadyFailed([failed, { _tag: "key_accepted", at, config_revision: 3 }], 3, "bad key")).toBe(false)
    expect(Milestones.alreadyFailed([failed, { _tag: "config_changed", at, config_revision: 3 }], 3, "bad key")).toBe(false)
  })
})

import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { progressAtStart, progressOf } from "../src/actor/Backfill.js"
import * as Checkpoint from "../src/state/Checkpoint.js"
import type * as Milestones from "../src/state/Milestones.js"

describe("Backfill.progressOf", () => {
  it("reports records and pages per collection", () => {
    const checkpoint: Checkpoint.Checkpoint = {
      ...Checkpoint.empty(1),
      items: {
        "stripe:invoice": { collections: ["stripe:invoice", "stripe:invoice_line_item"], cursor: { after: "in_1" }, done: false, records: 300, pages: 2, progress: 0.25 },
        "stripe:customer": { collections: ["stripe:customer"], cursor: null, done: true, records: 50, pages: 1, progress: 1 },
        "stripe:payment_method": { collections: ["stripe:payment_method"], cursor: { after: "pm_1" }, done: false, records: 100, pages: 1 }
      },
      row_counts: { "stripe:invoice": 200, "stripe:invoice_line_item": 100, "stripe:customer": 50, "stripe:payment_method": 100 }
    }
    const progress = progressOf(checkpoint)
    expect(progress["stripe:invoice"]).toStrictEqual({ records: 200, pages: 2, done: false })
    expect(progress["stripe:invoice_line_item"]).toStrictEqual({ records: 100, pages: 0, done: false })
    expect(progress["stripe:customer"]).toStrictEqual({ records: 50, pages: 1, done: true })
  })

  it("counts a collection filled by several items done only when every one of them is", () => {
    const checkpoint: Checkpoint.Checkpoint = {
      ...Checkpoint.empty(1),
      items: {
        "stripe:payment_method": { collections: ["stripe:payment_method"], cursor: null, done: true, records: 3, pages: 1 },
        "stripe:payment_method:of_customers": { collections: ["stripe:payment_method"], cursor: { after: "cus_1" }, done: false, records: 40, pages: 2 }
      },
      row_counts: { "stripe:payment_method": 43 }
    }
    expect(progressOf(checkpoint)["stripe:payment_method"]).toStrictEqual({ records: 43, pages: 3, done: false })
  })
})

describe("Backfill.progressAtStart", () => {
  const checkpoint = (generation: number): Checkpoint.Checkpoint => ({
    ...Checkpoint.empty(generation),
    items: { "stripe:customer": { collections: ["stripe:customer"], cursor: null, done: true, records: 12, pages: 2 } },
    row_counts: { "stripe:customer": 12 }
  })
  const complete = (generation: number, count: number): Milestones.Milestone => ({
    _tag: "backfill_complete",
    at: new Date().toISOString(),
    generation,
    cursor: null,
    row_counts: { "stripe:customer": count }
  })

  it("is the checkpoint's progress when there is one", () => {
    expect(progressAtStart(Option.some(checkpoint(1)), [complete(1, 12)])).toStrictEqual({
      "stripe:customer": { records: 12, pages: 2, done: true }
    })
  })

  it("is the last backfill_complete's row counts when the checkpoint is gone or older", () => {
    const expected = { "stripe:customer": { records: 7, pages: 0, done: true } }
    expect(progressAtStart(Option.none(), [complete(1, 3), complete(2, 7)])).toStrictEqual(expected)
    expect(progressAtStart(Option.some(checkpoint(1)), [complete(2, 7)])).toStrictEqual(expected)
  })

  it("is nothing for a sync that has neither", () => {
    expect(progressAtStart(Option.none(), [])).toStrictEqual({})
  })
})

import { Collection } from "@tributary/core"
import type { Connector } from "@tributary/core"
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import * as Checkpoint from "../src/state/Checkpoint.js"
import * as Coverage from "../src/state/Coverage.js"
import type * as Milestones from "../src/state/Milestones.js"

const at = "2026-01-01T00:00:00.000Z"
const customer = Collection.make("stripe", "customer")
const subscription = Collection.make("stripe", "subscription")
const item = Collection.make("stripe", "subscription_item")
const product = Collection.make("stripe", "product")

const items: ReadonlyArray<Connector.WorkItem> = [
  { key: customer, collections: [customer] },
  { key: subscription, collections: [subscription, item] },
  { key: product, collections: [product] }
]

const done = (collections: ReadonlyArray<string>, records: number): Checkpoint.ItemState =>
  ({ collections, cursor: null, done: true, records, pages: 1, progress: 1 })

const complete: Checkpoint.Checkpoint = {
  ...Checkpoint.empty(1),
  items: { [customer]: done([customer], 10), [subscription]: done([subscription, item], 4) },
  row_counts: { [customer]: 10, [subscription]: 4 },
  feed: { position: 100 },
  collections: [customer, subscription]
}

describe("Coverage", () => {
  it("takes the checkpoint's collections, else those of the generation's last backfill_started", () => {
    const started: Milestones.Milestone = { _tag: "backfill_started", at, generation: 1, cursor: null, collections: [customer] }
    expect(Coverage.covered(Option.some(complete), [started], 1)).toStrictEqual([customer, subscription])
    const { collections: _none, ...older } = complete
    expect(Coverage.covered(Option.some(older), [started], 1)).toStrictEqual([customer])
    expect(Coverage.covered(Option.some(complete), [started], 2)).toStrictEqual([])
    expect(Coverage.missing([customer], [customer, product])).toStrictEqual([product])
  })

  it("keeps the done items of covered collections and runs again those that fill one not covered", () => {
    const selected = [customer, subscription, item, product]
    const widened = Coverage.widened(Option.some(complete), 1, [customer, subscription], selected, items, { position: 100 })
    // Subscriptions fill their items, which were not selected: that listing runs again.
    expect(Object.keys(widened.items)).toStrictEqual([customer])
    expect(widened.row_counts).toStrictEqual({ [customer]: 10 })
    expect(widened.collections).toStrictEqual([customer, subscription])
    expect(widened.feed).toStrictEqual({ position: 100 })
    expect(widened.generation).toBe(1)
  })

  it("leaves out what is no longer selected", () => {
    const widened = Coverage.widened(Option.some(complete), 1, [customer, subscription], [subscription, product], items, { position: 100 })
    expect(Object.keys(widened.items)).toStrictEqual([subscription])
    expect(widened.collections).toStrictEqual([subscription])
  })
})

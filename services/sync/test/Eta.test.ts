import { describe, expect, it } from "vitest"
import * as Eta from "../src/actor/Eta.js"
import * as Demo from "./fixtures/DemoBackfill.js"

const item = (over: Partial<Eta.ItemRun> = {}): Eta.ItemRun => ({
  done: false,
  from: 0,
  fraction: undefined,
  pages: 0,
  requests: 0,
  requestsMade: 0,
  first: undefined,
  retrying: false,
  ...over
})

/** An item whose pages have reported progress, all of its requests published. */
const measured = (pages: number, requests: number, fraction: number, first: Eta.ItemRun["first"] = undefined) =>
  item({ pages, requests, requestsMade: requests, fraction, first: first ?? { fraction, requests } })

/** Folds samples taken at the given ms into estimates, as the backfill's reporter does every second. */
const run = (budgetPerSecond: number, samples: ReadonlyArray<{ readonly at: number; readonly requestsMade: number; readonly items: ReadonlyArray<Eta.ItemRun> }>) => {
  let estimate = Eta.start(0, 0, budgetPerSecond)
  return samples.map((sample) => {
    estimate = Eta.next(estimate, { ...sample, budgetPerSecond })
    return Eta.shown(estimate)
  })
}

/** The rule this replaced: the slowest item that tells how far it is, timed from the backfill's start. */
const previousRule = (sample: Eta.Sample, elapsedMs: number): number | undefined => {
  let eta: number | undefined
  for (const i of sample.items) {
    if (i.done || i.fraction === undefined || i.fraction <= 0) continue
    eta = Math.max(eta ?? 0, ((elapsedMs / 1000) * (1 - i.fraction)) / i.fraction)
  }
  return eta === undefined ? undefined : Math.round(eta)
}

describe("Eta on the demo backfill whose ETA jumped", () => {
  const shown = run(Demo.BUDGET_PER_SECOND, Demo.seconds.map((s) => s.sample))
  const previous = Demo.seconds.map((s) => previousRule(s.sample, s.elapsedMs))

  it("jumped with the previous rule: up by tens of seconds from one second to the next", () => {
    const rises = previous.slice(1).map((eta, i) => (eta ?? 0) - (previous[i] ?? 0))
    expect(Math.max(...rises)).toBeGreaterThan(30)
  })

  it("is steady now: once known, there every second, never rising, falling by a few seconds at most, near the time the backfill took", () => {
    const firstKnown = shown.findIndex((eta) => eta !== undefined)
    expect(firstKnown).toBeGreaterThan(0)
    const known = shown.slice(firstKnown, -1)
    expect(known).not.toContain(undefined)
    known.slice(1).forEach((eta, i) => {
      const before = known[i] ?? 0
      expect(eta).toBeLessThanOrEqual(before)
      expect(before - (eta ?? 0)).toBeLessThanOrEqual(4)
    })
    known.forEach((eta, i) => {
      const left = (Demo.DONE_AT_MS - (Demo.seconds[firstKnown + i]?.elapsedMs ?? 0)) / 1000
      expect(Math.abs((eta ?? 0) - left)).toBeLessThanOrEqual(10)
    })
    // Done: no ETA.
    expect(shown.at(-1)).toBeUndefined()
  })
})

describe("Eta on the sequence the issue reports (13 s, none, 1 s, 26 s in lists 2 s apart)", () => {
  // A list item a page in; two items still on their first page (one reads per parent, dear).
  const samples = [
    { at: 10_000, requestsMade: 160, items: [measured(1, 15, 0.43), item({ requestsMade: 10 }), item({ requestsMade: 30 })] },
    { at: 12_000, requestsMade: 192, items: [item({ done: true }), item({ requestsMade: 12 }), item({ requestsMade: 36 })] },
    { at: 14_000, requestsMade: 224, items: [item({ done: true }), measured(1, 12, 0.93), item({ requestsMade: 40 })] },
    { at: 16_000, requestsMade: 256, items: [item({ done: true }), measured(1, 12, 0.93), measured(1, 40, 0.38)] },
    { at: 18_000, requestsMade: 288, items: [item({ done: true }), item({ done: true }), measured(2, 72, 0.7, { fraction: 0.38, requests: 40 })] },
    { at: 20_000, requestsMade: 320, items: [item({ done: true }), item({ done: true }), measured(3, 104, 0.95, { fraction: 0.38, requests: 40 })] },
    { at: 21_000, requestsMade: 330, items: [item({ done: true }), item({ done: true }), item({ done: true })] }
  ]

  it("is what the previous rule gave", () => {
    expect(samples.slice(0, 4).map((sample) => previousRule({ ...sample, budgetPerSecond: 16 }, sample.at))).toStrictEqual([13, undefined, 1, 26])
  })

  it("is unknown until every item has told how far it is, then counts down", () => {
    const shown = run(16, samples)
    expect(shown.slice(0, 3)).toStrictEqual([undefined, undefined, undefined])
    const known = shown.slice(3, -1)
    expect(known).not.toContain(undefined)
    expect(known).toStrictEqual([...known].sort((a, b) => (b ?? 0) - (a ?? 0)))
    expect(shown.at(-1)).toBeUndefined()
  })
})

describe("Eta", () => {
  it("measures an item by the requests its pages cost, not by the time since the backfill began", () => {
    // Half done after 10 requests, its first page a minute in (it waited for the others' tokens):
    // 10 requests left at 10 req/s.
    const [eta] = run(10, [{ at: 60_000, requestsMade: 600, items: [measured(1, 10, 0.5)] }])
    expect(eta).toBe(1)
  })

  it("adds the items up: they share one budget", () => {
    const [eta] = run(10, [{ at: 1000, requestsMade: 10, items: [measured(1, 50, 0.25), measured(1, 50, 0.5)] }])
    // 150 + 50 requests at 10 req/s.
    expect(eta).toBe(20)
  })

  it("leaves an item's first page out once a second is in (it carries setup work), and counts requests made for pages fetched ahead as spent", () => {
    const first = { fraction: 0.1, requests: 30 }
    // 10 requests per 0.1 after the first page: 60 requests left, 20 of them already made for pages fetched ahead.
    const [eta] = run(10, [{ at: 1000, requestsMade: 10, items: [item({ pages: 4, requests: 60, requestsMade: 80, fraction: 0.4, first })] }])
    expect(eta).toBe(4)
  })

  it("is unknown while an item has no page yet, since it may be of any size, unless the API refuses it for now", () => {
    const told = measured(1, 10, 0.5)
    expect(run(10, [{ at: 1000, requestsMade: 10, items: [told, item({ requestsMade: 30 })] }])).toStrictEqual([undefined])
    expect(run(10, [{ at: 1000, requestsMade: 10, items: [told, item({ retrying: true })] }])).toStrictEqual([1])
    // Nothing tells how big the backfill is: items that cannot tell how far they are.
    expect(run(10, [{ at: 1000, requestsMade: 10, items: [item({ pages: 3, requests: 3, requestsMade: 3 })] }])).toStrictEqual([undefined])
  })

  it("counts an item that cannot tell how far it is as one more page, and a queued one as a request", () => {
    const items = [measured(1, 10, 0.5), item({ pages: 2, requests: 40, requestsMade: 40 }), item({ retrying: true })]
    // 10 + 20 + 1 requests at 1 req/s.
    expect(run(1, [{ at: 1000, requestsMade: 1, items }])).toStrictEqual([31])
  })

  it("once known, stays known and at least a second while work remains, and is unknown once every item is done", () => {
    const cannotTell = item({ pages: 5, requests: 5, requestsMade: 5 })
    const shown = run(10, [
      { at: 1000, requestsMade: 10, items: [measured(1, 100, 0.5), cannotTell] },
      { at: 2000, requestsMade: 20, items: [item({ done: true }), cannotTell] },
      { at: 30_000, requestsMade: 300, items: [item({ done: true }), cannotTell] },
      { at: 31_000, requestsMade: 310, items: [item({ done: true }), item({ done: true })] }
    ])
    expect(shown[0]).toBe(10)
    expect(shown[1]).toBeGreaterThanOrEqual(1)
    expect(shown[1]).toBeLessThan(10)
    expect(shown[2]).toBe(1)
    expect(shown[3]).toBeUndefined()
  })

  it("counts down and moves part of the way to a new estimate", () => {
    const shown = run(10, [
      { at: 1000, requestsMade: 10, items: [measured(1, 100, 0.5)] },
      // A second later the item turns out smaller: 20 requests left.
      { at: 2000, requestsMade: 20, items: [measured(2, 110, 0.85, { fraction: 0.5, requests: 100 })] }
    ])
    expect(shown[0]).toBe(10)
    // Counted down to 9, part of the way to 2.
    expect(shown[1]).toBeGreaterThan(2)
    expect(shown[1]).toBeLessThan(9)
  })

  it("divides by the rate the sync makes requests, at most its budget", () => {
    // Bound by publishing: 10 req/s of a 100 req/s budget for a minute; 100 requests left.
    expect(run(100, [{ at: 60_000, requestsMade: 600, items: [measured(1, 100, 0.5)] }])).toStrictEqual([10])
    // Tokens reserved ahead (a burst of waiting requests) do not make the budget bigger.
    let estimate = Eta.start(0, 0, 10)
    estimate = Eta.next(estimate, { at: 1000, requestsMade: 200, budgetPerSecond: 10, items: [measured(1, 100, 0.5)] })
    expect(estimate.requestsPerSecond).toBe(10)
  })

  it("measures a resumed item from where this run began", () => {
    // Resumed at 0.6; 20 requests took it to 0.8: 20 more.
    const resumed = item({ from: 0.6, pages: 1, requests: 20, requestsMade: 20, fraction: 0.8, first: { fraction: 0.8, requests: 20 } })
    expect(run(10, [{ at: 1000, requestsMade: 10, items: [resumed] }])).toStrictEqual([2])
  })
})

describe("Eta.estimating", () => {
  it("is undefined when every item has published and none tells how far it is: nothing is estimating", () => {
    const sample = { at: 1000, requestsMade: 4, budgetPerSecond: 10, items: [item({ pages: 2, requests: 4, requestsMade: 4 })] }
    const estimate = Eta.next(Eta.start(0, 0, 10), sample)
    expect(Eta.shown(estimate)).toBeUndefined()
    expect(Eta.estimating(estimate, sample)).toBeUndefined()
    // One still probing: it says so.
    const probing = { ...sample, items: [...sample.items, item({ requestsMade: 3 })] }
    expect(Eta.estimating(Eta.next(Eta.start(0, 0, 10), probing), probing)).toStrictEqual({ work_items: 1, requests: 3 })
  })
})

describe("Eta.estimating on the demo backfill, before its ETA is known", () => {
  const replayed = (() => {
    let estimate = Eta.start(0, 0, Demo.BUDGET_PER_SECOND)
    return Demo.seconds.map((s) => {
      estimate = Eta.next(estimate, { ...s.sample, budgetPerSecond: Demo.BUDGET_PER_SECOND })
      return { elapsedMs: s.elapsedMs, eta: Eta.shown(estimate), estimating: Eta.estimating(estimate, s.sample) }
    })
  })()
  const unknown = replayed.slice(0, replayed.findIndex((s) => s.eta !== undefined))

  it("tells from the first second how many work items are still on their first page, and the requests made for them", () => {
    expect(unknown.length).toBeGreaterThan(10)
    expect(unknown[0]?.estimating).toStrictEqual({ work_items: 21, requests: 0 })
    for (const { estimating } of unknown) expect(estimating?.work_items).toBeGreaterThan(0)
    // Seconds 2 to 8: the same eight items probe, and their requests rise every second.
    const probing = unknown.slice(2, 8).map((s) => s.estimating?.requests ?? 0)
    probing.slice(1).forEach((requests, i) => expect(requests).toBeGreaterThan(probing[i] ?? 0))
  })

  it("gives, once an item has told how far it is, a least ETA that the backfill does take", () => {
    const atLeast = unknown.filter((s) => s.estimating?.eta_seconds_at_least !== undefined)
    expect(atLeast.length).toBeGreaterThan(0)
    for (const s of atLeast) {
      expect(s.estimating?.eta_seconds_at_least).toBeLessThanOrEqual((Demo.DONE_AT_MS - s.elapsedMs) / 1000)
    }
  })

  it("is gone once the ETA is known, and at the end", () => {
    for (const s of replayed.slice(unknown.length)) expect(s.estimating).toBeUndefined()
  })
})

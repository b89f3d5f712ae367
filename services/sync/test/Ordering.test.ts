import { describe, expect, it } from "vitest"
import * as Ordering from "../src/publish/Ordering.js"

const second = (s: number) => ({ from: s * 1000, to: s * 1000 + 999 })

const published = (over: Partial<Ordering.Published> = {}): Ordering.Published => ({
  seq: 7,
  updatedIdx: 10_999_000,
  version: second(10),
  deleted: false,
  contentHash: "a",
  changeId: "evt_10",
  publishedAt: 1_000,
  storedAt: 1_000,
  ...over
})

const event = (s: number, over: Partial<Ordering.Candidate> = {}): Ordering.Candidate => ({
  version: second(s),
  origin: "reported",
  changeId: `evt_${s}`,
  deleted: false,
  contentHash: "b",
  readStartedAt: undefined,
  ...over
})

describe("Ordering.decide", () => {
  it("publishes the first version of a record", () => {
    expect(Ordering.decide(undefined, event(5))).toBe("publish")
  })

  it("publishes a change from a later second and drops one from an earlier second, even when it arrives later", () => {
    expect(Ordering.decide(published(), event(11))).toBe("publish")
    expect(Ordering.decide(published(), event(9))).toBe("older")
  })

  it("cannot order two changes in the same second, so it asks for a fresh read", () => {
    expect(Ordering.decide(published(), event(10, { changeId: "evt_other" }))).toBe("refresh")
  })

  it("recognises the very change that is already published", () => {
    expect(Ordering.decide(published(), event(10, { changeId: "evt_10" }))).toBe("same")
  })

  it("takes a read that began after the last publish as newer, whatever the clocks say", () => {
    const read = { ...event(10), origin: "read" as const, changeId: undefined, readStartedAt: 2_000 }
    expect(Ordering.decide(published(), read)).toBe("publish")
    expect(Ordering.decide(published(), { ...read, readStartedAt: 500 })).toBe("refresh")
  })

  it("does not republish a newer version with the same content", () => {
    expect(Ordering.decide(published(), event(11, { contentHash: "a" }))).toBe("unchanged")
    expect(Ordering.decide(published(), event(11, { contentHash: "a", deleted: true }))).toBe("publish")
  })
})

describe("Ordering.nextUpdatedIdx", () => {
  it("is the version's end in microseconds, and strictly increases per record", () => {
    expect(Ordering.nextUpdatedIdx(undefined, second(10))).toBe(10_999_000)
    expect(Ordering.nextUpdatedIdx(published(), second(11))).toBe(11_999_000)
    expect(Ordering.nextUpdatedIdx(published(), second(10))).toBe(10_999_001)
    expect(Ordering.nextUpdatedIdx(published({ updatedIdx: 50_000_000 }), second(11))).toBe(50_000_001)
  })
})

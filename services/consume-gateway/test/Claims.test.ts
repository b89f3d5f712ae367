import type { Msg } from "@nats-io/transport-node"
import { describe, expect, it } from "vitest"
import type { ClaimContext, Candidate } from "../src/delivery/Claims.js"
import { decide } from "../src/delivery/Claims.js"
import type { Lease } from "../src/delivery/Lease.js"
import * as Lifecycle from "../src/delivery/Lifecycle.js"

const ctx = { kind: "records", source: "main", ackWaitMs: 30_000, maxDeliver: 3, withholdMaxMs: 1_000, baseFloor: () => 0 } as ClaimContext
const candidate = (seq: number, deliveries = 1): Candidate => ({
  msg: {} as Msg, reply: "r", subject: "s", leaseKey: "k", index: 0,
  delivery: { stream: "RECORDS", deliveries, streamSeq: seq, pending: 0 }
})
const lease = (over: Partial<Lease> = {}): Lease => ({ q: "m", s: 5, d: 1, a: 1, u: 1_000_000, b: "old", i: 2, f: 0, ...over })

describe("claim decisions", () => {
  it("withholds a newer version while the older one is delivered and its lease runs", () => {
    const d = decide(ctx, candidate(9), "new", lease(), undefined, 999_500)
    expect(d).toEqual({ kind: "withhold", delayMs: 500 })
  })

  it("grants a newer version once the older one is acked, and skips a late redelivery of an acked message", () => {
    expect(decide(ctx, candidate(9), "new", lease(), "acked", 0)).toMatchObject({ kind: "grant", lease: { s: 9, a: 1 } })
    expect(decide(ctx, candidate(5, 2), "new", lease(), "acked", 0)).toEqual({ kind: "skip", how: "+ACK" })
  })

  it("skips an events change at or below the record's floor: it was settled, and only its +ACK was lost", () => {
    const events = { ...ctx, kind: "events" } as ClaimContext
    // Change 5 acked, then change 7 took the lease with floor 5; 5 comes back while 7 is out, and after 7 is acked.
    const held = lease({ s: 7, f: 5 })
    expect(decide(events, candidate(5, 2), "new", held, undefined, 0)).toEqual({ kind: "skip", how: "+ACK" })
    expect(decide(events, candidate(5, 3), "new", held, "acked", 0)).toEqual({ kind: "skip", how: "+ACK" })
    expect(decide(events, candidate(6), "new", held, "acked", 0)).toEqual({ kind: "skip", how: "+ACK" })
    expect(decide(events, candidate(9), "new", held, "acked", 0)).toMatchObject({ kind: "grant", lease: { s: 9, f: 7 } })
    // A redrive holds the lease: its floor is still the main stream's.
    expect(decide(events, candidate(5, 2), "new", lease({ q: "r", s: 3, f: 5 }), undefined, 0)).toEqual({ kind: "skip", how: "+ACK" })
    // A redrive's lease made from an ack floor older than an ack since: the ack floor now counts.
    const later = { ...events, baseFloor: () => 7 } as ClaimContext
    const redriven = lease({ q: "r", s: 3, f: 2 })
    expect(decide(later, candidate(6), "new", redriven, "acked", 0)).toEqual({ kind: "skip", how: "+ACK" })
    expect(decide(later, candidate(9), "new", redriven, "acked", 0)).toMatchObject({ kind: "grant", lease: { s: 9, f: 7 } })
    // RECORDS keeps one version per record: it has no floor to compare with.
    expect(decide(ctx, candidate(5, 2), "new", held, "acked", 0)).toMatchObject({ kind: "grant", lease: { s: 5 } })
  })

  it("counts attempts across nacks and redeliveries, expiring the previous holder", () => {
    expect(decide(ctx, candidate(5, 2), "new", lease(), "nacked", 0)).toMatchObject({ kind: "grant", lease: { a: 2 } })
    expect(decide(ctx, candidate(5, 4), "new", lease({ a: 2 }), undefined, 0))
      .toMatchObject({ kind: "grant", lease: { a: 3 }, expire: { batch: "old", index: 2 } })
    expect(decide(ctx, candidate(9), "new", lease(), undefined, 2_000_000)).toMatchObject({ kind: "grant", expire: { batch: "old" } })
  })
})

describe("message lifecycle", () => {
  it("allows only the transitions of the table", () => {
    expect(Lifecycle.next("delivered", "ack")).toBe("acked")
    expect(Lifecycle.next("acked", "ack")).toBeUndefined()
    expect(Lifecycle.next("expired", "ack")).toBeUndefined()
    expect(Lifecycle.next("dead", "redrive")).toBe("available")
  })
})

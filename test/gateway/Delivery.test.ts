/**
 * The consume API's delivery guarantees, through two gateway replicas on one namespace.
 */
import { Collection, Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
})
afterAll(() => stack.close())

const ids = (batch: Harness.NextBody) => batch.data.map((d) => d.record?.upstream_id)

describe("consume API", () => {
  it("acks through replica B what was received from replica A", async () => {
    await Harness.createConsumer(stack, { filters: { sync_id: "s_cross" }, name: "cross" })
    await Harness.publishRecords(stack, [1, 2, 3].map((n) => ({ id: `cross_${n}`, idx: 1, sync: Ids.SyncId.make("s_cross") })))
    const batch = await Harness.next(stack, 0, "cross", 10)
    expect(ids(batch)).toEqual(["cross_1", "cross_2", "cross_3"])
    expect((await Harness.ack(stack, 1, "cross", batch.data.map((d) => d.ack_token))).status).toBe(204)
    expect((await Harness.next(stack, 1, "cross", 10)).data).toEqual([])
    const state = await stack.json<{ state: { num_ack_pending: number } }>(1, "GET", "/v1/consumers/cross")
    expect(state.state.num_ack_pending).toBe(0)
  })

  it("delivers 10k records exactly once to 8 workers acking randomly through either replica", async () => {
    const total = 10_000
    await Harness.createConsumer(stack, { filters: { sync_id: "s_once" }, name: "once", max_ack_pending: 20_000 })
    await Harness.publishRecords(stack, Array.from({ length: total }, (_, n) => ({ id: `once_${n}`, idx: 1, sync: Ids.SyncId.make("s_once") })))
    const acked = new Map<string, number>()
    const deadline = Date.now() + 120_000
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (acked.size < total && Date.now() < deadline) {
        const batch = await Harness.next(stack, Math.round(Math.random()), "once", 100, 500)
        if (batch.data.length === 0) continue
        const response = await Harness.ack(stack, Math.round(Math.random()), "once", batch.data.map((d) => d.ack_token))
        expect(response.status).toBe(204)
        for (const d of batch.data) acked.set(d.record!.upstream_id, (acked.get(d.record!.upstream_id) ?? 0) + 1)
      }
    }))
    expect(acked.size).toBe(total)
    expect([...acked.values()].every((n) => n === 1)).toBe(true)
    expect((await Harness.next(stack, 0, "once", 100, 300)).data).toEqual([])
  })

  it("redelivers a message that is not acked within ack_wait_ms; the old token then acks nothing", async () => {
    await Harness.createConsumer(stack, { filters: { sync_id: "s_slow" }, name: "slow", ack_wait_ms: 1_000 })
    await Harness.publishRecords(stack, [{ id: "slow_1", idx: 1, sync: Ids.SyncId.make("s_slow") }])
    const first = await Harness.next(stack, 0, "slow", 1)
    expect(ids(first)).toEqual(["slow_1"])
    // Held by the first worker: not handed to anyone else until its ack wait runs out.
    expect((await Harness.next(stack, 1, "slow", 1, 0)).data).toEqual([])
    const again = await Harness.next(stack, 1, "slow", 1, 5_000)
    expect(ids(again)).toEqual(["slow_1"])
    const stale = await Harness.ack(stack, 0, "slow", [first.data[0]!.ack_token])
    expect(stale.status).toBe(409)
    const body = await stale.json() as { _tag: string; stale: Array<{ state: string; reason: string }> }
    expect(body._tag).toBe("StaleAckTokens")
    expect(body.stale[0]?.state).toBe("expired")
    expect(body.stale[0]?.reason).toContain("delivered again")
    // It acked nothing, nor did a nack or progress with it: JetStream acks by stream sequence, so
    // passing it on would have settled the redelivery the second worker holds.
    for (const action of ["nack", "progress"]) {
      const refused = await stack.call(1, "POST", `/v1/consumers/slow/${action}`, { ack_tokens: [first.data[0]!.ack_token] })
      expect(await refused.json()).toMatchObject({ _tag: "StaleAckTokens", stale: [{ state: "expired" }] })
    }
    const held = await stack.json<{ state: { num_ack_pending: number } }>(0, "GET", "/v1/consumers/slow")
    expect(held.state.num_ack_pending).toBe(1)
    expect((await Harness.ack(stack, 1, "slow", [again.data[0]!.ack_token])).status).toBe(204)
    expect((await Harness.next(stack, 0, "slow", 1, 1_500)).data).toEqual([])
  })

  it("sends a message to dead letters after max_deliver attempts, and redrive brings it back", async () => {
    await Harness.createConsumer(stack, { filters: { sync_id: "s_poison" }, name: "poison", max_deliver: 2 })
    await Harness.publishRecords(stack, [{ id: "poison_1", idx: 1, sync: Ids.SyncId.make("s_poison") }])
    for (let attempt = 1; attempt <= 2; attempt++) {
      const batch = await Harness.next(stack, attempt % 2, "poison", 1, 2_000)
      expect(ids(batch)).toEqual(["poison_1"])
      const nacked = await stack.call(attempt % 2, "POST", "/v1/consumers/poison/nack", { ack_tokens: [batch.data[0]!.ack_token] })
      expect(nacked.status).toBe(204)
    }
    expect((await Harness.next(stack, 0, "poison", 1, 1_000)).data).toEqual([])
    const dead = await stack.json<{ data: Array<{ subject: string; attempts: number; record: { upstream_id: string } }> }>(
      1, "GET", "/v1/consumers/poison/dead-letters")
    expect(dead.data.map((d) => [d.record.upstream_id, d.attempts])).toEqual([["poison_1", 2]])
    expect(dead.data[0]?.subject).toContain(".records.s_poison.stripe_customer.poison_1")
    expect(await stack.json(0, "POST", "/v1/consumers/poison/dead-letters/redrive", {})).toEqual({ redriven: 1 })
    type State = { state: { num_pending: number; num_ack_pending: number; dead_letters: number } }
    // The consumer's state counts a redriven message as the worker sees it: waiting, then in flight.
    expect((await stack.json<State>(1, "GET", "/v1/consumers/poison")).state).toEqual({ num_pending: 1, num_ack_pending: 0, dead_letters: 0 })
    const back = await Fixtures.waitFor("the redriven message", async () => {
      const batch = await Harness.next(stack, 1, "poison", 1, 500)
      return batch.data.length > 0 ? batch : undefined
    })
    expect(ids(back)).toEqual(["poison_1"])
    expect((await stack.json<State>(0, "GET", "/v1/consumers/poison")).state).toEqual({ num_pending: 0, num_ack_pending: 1, dead_letters: 0 })
    expect((await Harness.ack(stack, 0, "poison", [back.data[0]!.ack_token])).status).toBe(204)
    expect((await stack.json<State>(1, "GET", "/v1/consumers/poison")).state).toEqual({ num_pending: 0, num_ack_pending: 0, dead_letters: 0 })
    expect((await stack.json<{ data: unknown[] }>(0, "GET", "/v1/consumers/poison/dead-letters")).data).toEqual([])
  })

  it("withholds a newer version while the older one is in flight, until it is acked", async () => {
    // max_deliver 1: holding a version back (a NAK JetStream counts as a delivery) is no attempt.
    await Harness.createConsumer(stack, { filters: { sync_id: "s_held" }, name: "held", max_deliver: 1 })
    await Harness.publishRecords(stack, [{ id: "held_1", idx: 1, sync: Ids.SyncId.make("s_held") }])
    const v1 = await Harness.next(stack, 0, "held", 10)
    expect(v1.data.map((d) => d.record?.updated_idx)).toEqual([1])
    await Harness.publishRecords(stack, [{ id: "held_1", idx: 2, sync: Ids.SyncId.make("s_held") }, { id: "held_2", idx: 1, sync: Ids.SyncId.make("s_held") }])
    const meanwhile = await Harness.next(stack, 1, "held", 10, 1_000)
    expect(ids(meanwhile)).toEqual(["held_2"])
    expect((await Harness.next(stack, 0, "held", 10, 700)).data).toEqual([])
    await Harness.ack(stack, 1, "held", [v1.data[0]!.ack_token, meanwhile.data[0]!.ack_token])
    const started = Date.now()
    const v2 = await Harness.next(stack, 0, "held", 10, 10_000)
    expect(v2.data.map((d) => [d.record?.upstream_id, d.record?.updated_idx])).toEqual([["held_1", 2]])
    // Back within the withholding delay (TRIBUTARY_GATEWAY_WITHHOLD_MAX_MS, 1 s here).
    expect(Date.now() - started).toBeLessThan(4_000)
  })

  it("releases a withheld version when the older one's ack wait expires", async () => {
    await Harness.createConsumer(stack, { filters: { sync_id: "s_lapse" }, name: "lapse", ack_wait_ms: 1_000 })
    await Harness.publishRecords(stack, [{ id: "lapse_1", idx: 1, sync: Ids.SyncId.make("s_lapse") }])
    const v1 = await Harness.next(stack, 0, "lapse", 10)
    await Harness.publishRecords(stack, [{ id: "lapse_1", idx: 2, sync: Ids.SyncId.make("s_lapse") }])
    const v2 = await Harness.next(stack, 1, "lapse", 10, 6_000)
    expect(v2.data.map((d) => d.record?.updated_idx)).toEqual([2])
    const late = await Harness.ack(stack, 0, "lapse", [v1.data[0]!.ack_token])
    expect(late.status).toBe(409)
  })

  it("filters by collection and by sync", async () => {
    const invoice = Collection.CollectionId.make("stripe:invoice")
    const other = Ids.SyncId.make("sync_b")
    await Harness.createConsumer(stack, { name: "invoices", filters: { collection_id: "stripe:invoice" } })
    await Harness.createConsumer(stack, { name: "sync_b_only", filters: { sync_id: "sync_b" } })
    await Harness.publishRecords(stack, [
      { id: "f_cus", idx: 1 },
      { id: "f_in", idx: 1, collection: invoice },
      { id: "f_b_cus", idx: 1, sync: other },
      { id: "f_b_in", idx: 1, sync: other, collection: invoice }
    ])
    const invoices = await Harness.next(stack, 0, "invoices", 100)
    expect(ids(invoices).filter((id) => id?.startsWith("f_")).sort()).toEqual(["f_b_in", "f_in"])
    expect(invoices.data.every((d) => d.record?.collection_id === "stripe:invoice")).toBe(true)
    const syncB = await Harness.next(stack, 1, "sync_b_only", 100)
    expect(ids(syncB).sort()).toEqual(["f_b_cus", "f_b_in"])
  })

  it("delivers every change of the events stream in order per record, to racing workers", async () => {
    await Harness.createConsumer(stack, { name: "changes", source: "events", ack_wait_ms: 5_000 })
    const records = 12
    const versions = 5
    const refs = []
    for (let v = 1; v <= versions; v++) for (let r = 0; r < records; r++) refs.push({ id: `ev_${r}`, idx: v })
    await Harness.publishEvents(stack, refs)
    const seen = new Map<string, Array<number>>()
    const deadline = Date.now() + 60_000
    let count = 0
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (count < records * versions && Date.now() < deadline) {
        const batch = await Harness.next(stack, Math.round(Math.random()), "changes", 10, 500)
        for (const d of batch.data) {
          const id = d.event!.upstream_id
          seen.set(id, [...(seen.get(id) ?? []), d.event!.updated_idx])
        }
        count += batch.data.length
        if (batch.data.length > 0) await Harness.ack(stack, Math.round(Math.random()), "changes", batch.data.map((d) => d.ack_token))
      }
    }))
    expect(seen.size).toBe(records)
    for (const order of seen.values()) expect(order).toEqual([1, 2, 3, 4, 5])
  })

  it("answers 429 with Retry-After when max_ack_pending is reached", async () => {
    await Harness.createConsumer(stack, { filters: { sync_id: "s_full" }, name: "full", max_ack_pending: 2 })
    await Harness.publishRecords(stack, [1, 2, 3].map((n) => ({ id: `full_${n}`, idx: 1, sync: Ids.SyncId.make("s_full") })))
    expect((await Harness.next(stack, 0, "full", 2)).data).toHaveLength(2)
    const refused = await Fixtures.waitFor("a 429", async () => {
      const response = await stack.call(1, "GET", "/v1/consumers/full/next?batch_size=1")
      return response.status === 429 ? response : undefined
    })
    expect(refused.headers.get("retry-after")).toBe("1")
  })

  it("answers a no-wait next at once when max_ack_pending is reached, although nats-server 2.9 never ends that pull", async () => {
    await Harness.createConsumer(stack, { filters: { sync_id: "s_brim" }, name: "brim", max_ack_pending: 2 })
    await Harness.publishRecords(stack, [1, 2, 3].map((n) => ({ id: `brim_${n}`, idx: 1, sync: Ids.SyncId.make("s_brim") })))
    const started = Date.now()
    // JetStream hands out two of the three and then holds the pull open, waiting for an ack.
    const first = await Harness.next(stack, 0, "brim", 10)
    expect(ids(first)).toEqual(["brim_1", "brim_2"])
    expect(first.info.num_ack_pending).toBe(2)
    const refused = await stack.call(0, "GET", "/v1/consumers/brim/next?batch_size=10")
    expect(refused.status).toBe(429)
    expect(refused.headers.get("retry-after")).toBe("1")
    expect(await refused.json()).toMatchObject({ _tag: "TooManyRequests" })
    // Both answers without waiting out the gateway's 10 s guard for a pull the server never ends.
    expect(Date.now() - started).toBeLessThan(5_000)
    expect((await Harness.ack(stack, 0, "brim", [first.data[0]!.ack_token])).status).toBe(204)
    // An ack frees a slot: the next `next`, through either replica, delivers at once.
    const after = await Harness.next(stack, 1, "brim", 10)
    expect(ids(after)).toEqual(["brim_3"])
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

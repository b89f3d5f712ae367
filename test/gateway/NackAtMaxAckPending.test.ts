/**
 * A batch that reaches `max_ack_pending` leaves nats-server 2.9 holding its no-wait pull open; the
 * gateway gives that pull up after `NO_WAIT_ANSWER_MS` (`wire/Wire.ts`). The server keeps the
 * given-up pull among its waiting ones, and when a nacked message comes up for redelivery it takes
 * the message off its redelivery queue for that pull, finds nobody listening, and drops it: the
 * message comes back only after its ack wait (nats-io/nats-server#5338, fixed upstream in 2024).
 */
import { Ids } from "@tributary/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
})
afterAll(() => stack.close())

const SYNC = Ids.SyncId.make("s_brimnack")
const CONSUMER = "brimnack"

describe("a nack after a batch that reached max_ack_pending", () => {
  it("makes the message available again at once, not after its ack wait", async () => {
    await Harness.createConsumer(stack, { name: CONSUMER, filters: { sync_id: SYNC }, max_ack_pending: 2, ack_wait_ms: 30_000 })
    await Harness.publishRecords(stack, [1, 2, 3].map((n) => ({ id: `brimnack_${n}`, idx: 1, sync: SYNC })))
    const batch = await Harness.next(stack, 0, CONSUMER, 3)
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["brimnack_1", "brimnack_2"])
    const nacked = await stack.call(0, "POST", `/v1/consumers/${CONSUMER}/nack`, { ack_tokens: [batch.data[0]!.ack_token] })
    expect(nacked.status).toBe(204)
    // Below max_ack_pending again (a nacked message still counts until it is redelivered).
    expect((await Harness.ack(stack, 0, CONSUMER, [batch.data[1]!.ack_token])).status).toBe(204)

    const started = Date.now()
    // Redeliveries go out before new messages.
    const again = await Harness.next(stack, 0, CONSUMER, 1, 5_000)
    expect(again.data.map((d) => d.record?.upstream_id)).toEqual(["brimnack_1"])
    expect(Date.now() - started).toBeLessThan(3_000)
  })
  it("when every message in flight is nacked: next delivers them again, rather than 429 until their ack wait", async () => {
    const sync = Ids.SyncId.make("s_allnacked")
    await Harness.createConsumer(stack, { name: "allnacked", filters: { sync_id: sync }, max_ack_pending: 2, ack_wait_ms: 30_000 })
    await Harness.publishRecords(stack, [1, 2, 3].map((n) => ({ id: `allnacked_${n}`, idx: 1, sync })))
    const batch = await Harness.next(stack, 0, "allnacked", 2)
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["allnacked_1", "allnacked_2"])
    // At max_ack_pending, by the consumer's own count: refused.
    expect((await stack.call(0, "GET", "/v1/consumers/allnacked/next?batch_size=1&wait_for=0")).status).toBe(429)
    const nacked = await stack.call(0, "POST", "/v1/consumers/allnacked/nack", { ack_tokens: batch.data.map((d) => d.ack_token) })
    expect(nacked.status).toBe(204)
    // Both still count against max_ack_pending until redelivered, but they are due now.
    const again = await stack.call(0, "GET", "/v1/consumers/allnacked/next?batch_size=2&wait_for=0")
    expect(again.status).toBe(200)
    const body = await again.json() as Harness.NextBody
    expect(body.data.map((d) => d.record?.upstream_id).sort()).toEqual(["allnacked_1", "allnacked_2"])
    // Still at max_ack_pending with nothing due: refused, as before.
    const full = await stack.call(0, "GET", "/v1/consumers/allnacked/next?batch_size=1&wait_for=0")
    expect(full.status).toBe(429)
  })
})

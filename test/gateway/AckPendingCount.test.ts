/**
 * `next`'s `info.num_ack_pending`: the replica's cached counts plus what they do not hold yet of
 * the batch just granted. Counts JetStream answered after the batch's pull (another request on the
 * replica refreshed them), or after an earlier delivery of a redelivered message, hold it already.
 */
import { Ids } from "@tributary/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
})
afterAll(() => stack.close())

const inFlight = async (consumer: string) =>
  (await stack.json<{ state: { num_ack_pending: number } }>(0, "GET", `/v1/consumers/${consumer}`)).state.num_ack_pending

describe("next's num_ack_pending", () => {
  it("counts a redelivered message once: the counts hold it since its first delivery", async () => {
    const sync = Ids.SyncId.make("s_again")
    await Harness.createConsumer(stack, { filters: { sync_id: sync }, name: "again" })
    await Harness.publishRecords(stack, [{ id: "again_1", idx: 1, sync }])
    const first = await Harness.next(stack, 0, "again", 1)
    expect(first.info.num_ack_pending).toBe(1)
    // Fresh counts, answered after the first delivery.
    expect(await inFlight("again")).toBe(1)
    const nacked = await stack.call(0, "POST", "/v1/consumers/again/nack", { ack_tokens: [first.data[0]!.ack_token] })
    expect(nacked.status).toBe(204)
    const again = await Harness.next(stack, 0, "again", 1, 5_000)
    expect(again.data.map((d) => d.record?.upstream_id)).toEqual(["again_1"])
    expect(again.info.num_ack_pending).toBe(1)
  })

  it("counts a batch once when the replica's counts refreshed after its pull", async () => {
    const sync = Ids.SyncId.make("s_twice")
    await Harness.createConsumer(stack, { filters: { sync_id: sync }, name: "twice", max_ack_pending: 10_000 })
    await Harness.publishRecords(stack, Array.from({ length: 400 }, (_, n) => ({ id: `twice_${n}`, idx: 1, sync })))
    let delivered = 0
    for (let round = 0; round < 40; round++) {
      // The management read refreshes the counts the `next` beside it answers with, before or after its pull.
      const [batch] = await Promise.all([Harness.next(stack, 0, "twice", 10), inFlight("twice")])
      delivered += batch.data.length
      // Nothing is acked, so what is in flight is everything delivered so far.
      expect(batch.info.num_ack_pending, `round ${round}`).toBeLessThanOrEqual(delivered)
    }
    expect(delivered).toBe(400)
    expect(await inFlight("twice")).toBe(400)
  })
})

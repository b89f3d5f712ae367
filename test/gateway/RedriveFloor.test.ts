/**
 * A redriven events change whose record has no lease any more (aged out of `inflight`, or
 * removed) claims a fresh lease. That lease's floor (docs/gateway.md, *One version of a record
 * in flight*) must start from what is known to be done, the consumer's ack floor: from 0, every
 * later change of the record would be withheld behind the earlier changes still in EVENTS,
 * acked long ago, until the redrive's lease aged out in turn.
 */
import { Ids, Record } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
})
afterAll(() => stack.close())

const SYNC = Ids.SyncId.make("s_refloor")
const CONSUMER = "refloor"

const change = (idx: number) => ({ id: "refloor_1", idx, sync: SYNC })

/** The next delivery of the record's change `idx` (others of the record are not expected meanwhile). */
const delivery = (idx: number) =>
  Fixtures.waitFor(`change ${idx}`, async () => {
    const batch = await Harness.next(stack, 0, CONSUMER, 10, 500)
    expect(batch.data.map((d) => d.event?.updated_idx).filter((seen) => seen !== idx)).toEqual([])
    return batch.data[0]
  })

const nack = (token: string) => stack.json(0, "POST", `/v1/consumers/${CONSUMER}/nack`, { ack_tokens: [token] })

describe("redrive of an events change whose lease is gone", () => {
  it("holds back no later change of the record, and skips none that is not acked", async () => {
    await Harness.createConsumer(stack, { name: CONSUMER, source: "events", filters: { sync_id: SYNC }, max_deliver: 2 })
    await Harness.publishEvents(stack, [change(1), change(2)])
    // Change 1 fails twice and is dead-lettered; change 2 then goes out and is acked.
    for (let attempt = 1; attempt <= 2; attempt++) await nack((await delivery(1)).ack_token)
    expect((await Harness.ack(stack, 0, CONSUMER, [(await delivery(2)).ack_token])).status).toBe(204)
    const dead = await stack.json<{ data: Array<{ event: { updated_idx: number } }> }>(0, "GET", `/v1/consumers/${CONSUMER}/dead-letters`)
    expect(dead.data.map((d) => d.event.updated_idx)).toEqual([1])

    // Change 3 is out with a worker when the record's lease goes.
    await Harness.publishEvents(stack, [change(3)])
    const third = await delivery(3)
    const inflight = await stack.nats.kvm.open(stack.ns.buckets.inflight)
    await inflight.delete(`${CONSUMER}.l.${Record.recordIdFor(SYNC, Harness.CUSTOMER, "refloor_1")}`)

    expect(await stack.json(0, "POST", `/v1/consumers/${CONSUMER}/dead-letters/redrive`, {})).toEqual({ redriven: 1 })
    expect((await Harness.ack(stack, 0, CONSUMER, [(await delivery(1)).ack_token])).status).toBe(204)

    // Change 3, not acked, comes back after its nack: above the fresh lease's floor, and not
    // held back by changes 1 and 2, which are done.
    await nack(third.ack_token)
    expect((await Harness.ack(stack, 0, CONSUMER, [(await delivery(3)).ack_token])).status).toBe(204)
    await Harness.publishEvents(stack, [change(4)])
    expect((await Harness.ack(stack, 0, CONSUMER, [(await delivery(4)).ack_token])).status).toBe(204)
  })
})

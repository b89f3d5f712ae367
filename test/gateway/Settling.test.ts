/**
 * What a worker does with what it received, and how long it waits to receive: a long poll that
 * answers when a message arrives, nack at once or after `delay_ms`, `progress`, and the
 * per-consumer message counters those leave in `/metrics`.
 */
import { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
})
afterAll(() => stack.close())

const ids = (batch: Harness.NextBody) => batch.data.map((d) => d.record?.upstream_id)

const settle = (i: number, consumer: string, action: "nack" | "progress", body: Record<string, unknown>) =>
  stack.call(i, "POST", `/v1/consumers/${consumer}/${action}`, body)

/** A metric's value for `consumer` on replica `i` (0 when the replica has no such series yet). */
const metric = async (i: number, name: string, consumer: string) => {
  const text = await (await stack.call(i, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
  return Number(new RegExp(`^${name}\\{consumer="${consumer}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? "0")
}

const onBoth = async (name: string, consumer: string) => (await metric(0, name, consumer)) + (await metric(1, name, consumer))

describe("receiving and settling", () => {
  it("a long poll answers as soon as a message arrives, long before its wait_for", async () => {
    const sync = Ids.SyncId.make("s_prompt")
    await Harness.createConsumer(stack, { name: "prompt", filters: { sync_id: sync } })
    const polled = Harness.next(stack, 0, "prompt", 10, 30_000)
    await Fixtures.waitFor("the long poll to wait", async () =>
      (await metric(0, "tributary_gateway_waiting_requests", "prompt")) === 1 ? true : undefined)
    const published = Date.now()
    await Harness.publishRecords(stack, [{ id: "prompt_1", idx: 1, sync }])
    expect(ids(await polled)).toEqual(["prompt_1"])
    expect(Date.now() - published).toBeLessThan(2_000)
  })

  it("nack makes a message available again at once, or with delay_ms only once the delay has passed", async () => {
    const sync = Ids.SyncId.make("s_later")
    await Harness.createConsumer(stack, { name: "later", filters: { sync_id: sync } })
    await Harness.publishRecords(stack, [{ id: "later_1", idx: 1, sync }])
    // `next` by POST, as the HttpApi serves it, answers as GET does.
    const first = await stack.json<Harness.NextBody>(0, "POST", "/v1/consumers/later/next?batch_size=1")
    expect(ids(first)).toEqual(["later_1"])
    expect((await settle(1, "later", "nack", { ack_tokens: [first.data[0]!.ack_token] })).status).toBe(204)
    const nackedAt = Date.now()
    const again = await Harness.next(stack, 0, "later", 1, 5_000)
    expect(ids(again)).toEqual(["later_1"])
    // Not after the consumer's ack wait (30 s): at once.
    expect(Date.now() - nackedAt).toBeLessThan(1_000)

    const delayedAt = Date.now()
    expect((await settle(0, "later", "nack", { ack_tokens: [again.data[0]!.ack_token], delay_ms: 2_000 })).status).toBe(204)
    expect((await Harness.next(stack, 1, "later", 1, 1_000)).data).toEqual([])
    const late = await Harness.next(stack, 1, "later", 1, 5_000)
    expect(ids(late)).toEqual(["later_1"])
    expect(Date.now() - delayedAt).toBeGreaterThanOrEqual(2_000)
    expect((await Harness.ack(stack, 0, "later", [late.data[0]!.ack_token])).status).toBe(204)
  })

  it("progress keeps a message with its worker past ack_wait_ms, and its token then still acks it", async () => {
    const sync = Ids.SyncId.make("s_busy")
    await Harness.createConsumer(stack, { name: "busy", filters: { sync_id: sync }, ack_wait_ms: 1_000 })
    await Harness.publishRecords(stack, [{ id: "busy_1", idx: 1, sync }])
    const held = await Harness.next(stack, 0, "busy", 1)
    const token = held.data[0]!.ack_token
    const started = Date.now()
    // Three ack waits long, the worker says it is still busy; another worker waiting meanwhile gets nothing.
    while (Date.now() - started < 3_000) {
      expect((await settle(1, "busy", "progress", { ack_tokens: [token] })).status).toBe(204)
      expect((await Harness.next(stack, 1, "busy", 1, 300)).data).toEqual([])
    }
    expect((await Harness.ack(stack, 0, "busy", [token])).status).toBe(204)
    expect((await Harness.next(stack, 1, "busy", 1, 1_500)).data).toEqual([])
  })

  it("counts messages delivered, acked, nacked and dead-lettered per consumer", async () => {
    const sync = Ids.SyncId.make("s_tally")
    await Harness.createConsumer(stack, { name: "tally", filters: { sync_id: sync }, max_deliver: 1 })
    await Harness.publishRecords(stack, [{ id: "tally_1", idx: 1, sync }, { id: "tally_2", idx: 1, sync }])
    const batch = await Harness.next(stack, 0, "tally", 10)
    expect(ids(batch)).toEqual(["tally_1", "tally_2"])
    expect((await Harness.ack(stack, 1, "tally", [batch.data[0]!.ack_token])).status).toBe(204)
    expect((await settle(0, "tally", "nack", { ack_tokens: [batch.data[1]!.ack_token] })).status).toBe(204)
    // Its second attempt is one more than max_deliver: it goes to dead letters, not to a worker.
    expect((await Harness.next(stack, 1, "tally", 10, 1_000)).data).toEqual([])
    await Fixtures.waitFor("tally_2 in dead letters", async () => {
      const dead = await stack.json<{ data: Array<unknown> }>(0, "GET", "/v1/consumers/tally/dead-letters")
      return dead.data.length === 1 ? true : undefined
    })
    expect({
      delivered: await onBoth("tributary_gateway_messages_delivered_total", "tally"),
      acked: await onBoth("tributary_gateway_messages_acked_total", "tally"),
      nacked: await onBoth("tributary_gateway_messages_nacked_total", "tally"),
      dead: await onBoth("tributary_gateway_messages_dead_lettered_total", "tally")
    }).toEqual({ delivered: 2, acked: 1, nacked: 1, dead: 1 })
  })
})

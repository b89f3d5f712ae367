/**
 * A consumer's JetStream consumer deleted behind the gateway's back (by another replica's
 * DELETE in progress, or outside Tributary): nats-server 2.9 leaves a pull of a consumer that
 * is not there unanswered (its JetStream API takes every `$JS.API.>` subject), so the gateway
 * learns it from the consumer's info, and `next` is a 404, not a 503 or a hang.
 */
import { Ids } from "@tributary/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
})
afterAll(() => stack.close())

const timed = async (path: string) => {
  const started = Date.now()
  const response = await stack.call(0, "GET", path)
  return { status: response.status, ms: Date.now() - started, body: await response.json() as { _tag: string } }
}

describe("a JetStream consumer deleted behind the gateway", () => {
  it("is a 404 on next, at once and within a long poll's wait_for", async () => {
    const sync = Ids.SyncId.make("s_vanished")
    await Harness.createConsumer(stack, { name: "vanished", filters: { sync_id: sync } })
    await Harness.publishRecords(stack, [{ id: "vanished_1", idx: 1, sync }])
    expect((await Harness.next(stack, 0, "vanished", 1)).data.length).toBe(1)
    await stack.nats.jsm.consumers.delete(stack.ns.streams.records, "consume-vanished")

    const now = await timed("/v1/consumers/vanished/next?batch_size=1")
    expect(now).toMatchObject({ status: 404, body: { _tag: "NotFound" } })
    const waiting = await timed("/v1/consumers/vanished/next?batch_size=1&wait_for=1000")
    expect(waiting).toMatchObject({ status: 404, body: { _tag: "NotFound" } })
    expect(waiting.ms).toBeLessThan(3_000)
  })
})

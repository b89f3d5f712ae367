/**
 * Long polls (`next?wait_for=`) whose caller goes away: the replica frees the waiting slot at
 * once, and a message that then arrives for the abandoned pull goes back to the consumer.
 */
import { request } from "node:http"
import { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  // One waiting request per consumer and replica: whether a slot is taken is visible as a 429.
  stack = await Harness.start(2, { maxWaiting: 1 })
  await Harness.createConsumer(stack, { name: "poll", filters: { sync_id: "s_poll" } })
})
afterAll(() => stack.close())

/** A long poll on replica 0 from a client that can hang up (its socket closed, as when a worker dies). */
const longPoll = (path: string) => {
  const url = new URL(`${stack.replicas[0]!.url}${path}`)
  const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { authorization: `Bearer ${stack.token}` } })
  req.on("error", () => {})
  req.end()
  return { hangUp: () => req.destroy() }
}

/** Requests replica 0 holds for the consumer, from its metrics. */
const waiting = async () => {
  const text = await (await stack.call(0, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
  return Number(/^gateway_waiting_requests\{consumer="poll"\} (\d+)/m.exec(text)?.[1] ?? "0")
}

const status = async (path: string) => (await stack.call(0, "GET", path)).status

describe("long polls", () => {
  it("free the waiting slot when the caller hangs up, and hand a late message back to the consumer", async () => {
    for (let round = 0; round < 3; round++) {
      const poll = longPoll("/v1/consumers/poll/next?wait_for=30000")
      await Fixtures.waitFor("the long poll to hold the slot", async () => ((await waiting()) === 1 ? true : undefined))
      // The one slot is taken: another request is turned away, told when to come back.
      const refused = await stack.call(0, "GET", "/v1/consumers/poll/next")
      expect(refused.status).toBe(429)
      // Told to come back when the long poll's 30 s run out (Backpressure.test.ts checks the rule).
      const retryAfter = Number(refused.headers.get("retry-after"))
      expect(retryAfter).toBeGreaterThan(20)
      expect(retryAfter).toBeLessThanOrEqual(30)
      expect(await refused.json()).toMatchObject({ _tag: "TooManyRequests", retry_after_seconds: retryAfter })
      poll.hangUp()
      await Fixtures.waitFor("the slot to be free again", async () => ((await waiting()) === 0 ? true : undefined))
      expect(await status("/v1/consumers/poll/next")).toBe(200)
    }
    // The abandoned pulls are still parked at the server: the message goes to one of them first.
    await Harness.publishRecords(stack, [{ id: "poll_1", idx: 1, sync: Ids.SyncId.make("s_poll") }])
    const batch = await Harness.next(stack, 1, "poll", 10, 5_000)
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["poll_1"])
  })
})

/**
 * Long polls (`next?wait_for=`) whose caller goes away: the replica frees the waiting slot at
 * once, and a message that then arrives for the abandoned pull goes back to the consumer. A
 * long poll whose pulls are ended at once with nothing backs off rather than pull again at once.
 */
import { request } from "node:http"
import { Empty, headers as natsHeaders } from "@nats-io/transport-node"
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
  return Number(/^tributary_gateway_waiting_requests\{consumer="poll"\} (\d+)/m.exec(text)?.[1] ?? "0")
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

  it("backs off when JetStream ends its waiting pulls at once with nothing, rather than pull again in a tight loop", async () => {
    await Harness.createConsumer(stack, { name: "ends_at_once", filters: { sync_id: "s_ends_at_once" } })
    // A second responder on the consumer's pull subject, on the real server: every waiting pull
    // is ended at once with `404 No Messages`, as a server that ends pulls early answers them.
    // (JetStream still holds its copy of each until it expires.)
    const subject = `$JS.API.CONSUMER.MSG.NEXT.${stack.ns.streams.records}.consume-ends_at_once`
    let waitingPulls = 0
    const responder = stack.nats.nc.subscribe(subject, {
      callback: (_error, msg) => {
        if ((JSON.parse(msg.string()) as { no_wait?: boolean }).no_wait === true) return
        waitingPulls++
        msg.respond(Empty, { headers: natsHeaders(404, "No Messages") })
      }
    })
    try {
      await stack.nats.nc.flush()
      const started = Date.now()
      const answer = await stack.call(0, "GET", "/v1/consumers/ends_at_once/next?batch_size=10&wait_for=2000")
      const took = Date.now() - started
      expect(answer.status).toBe(200)
      expect((await answer.json() as Harness.NextBody).data).toEqual([])
      // It waited out its wait_for, no longer, with a handful of pulls (back-off from 50 ms to 1 s), not thousands.
      expect(took).toBeGreaterThanOrEqual(1_900)
      expect(took).toBeLessThan(4_000)
      expect(waitingPulls).toBeGreaterThan(1)
      expect(waitingPulls).toBeLessThanOrEqual(8)
    } finally {
      responder.unsubscribe()
    }
  })
})

/**
 * Back-pressure on `next`: too many waiting requests, at the consumer's JetStream consumer (all
 * replicas and any other puller together) or on one replica, is a 429 with a JSON body and a
 * `Retry-After` header, on both HTTP paths (the hot GET route and the HttpApi's POST).
 */
import { request } from "node:http"
import { createInbox } from "@nats-io/transport-node"
import { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

/** `MAX_WAITING` of `consumers/JetStreamConsumer.ts`: pulls JetStream keeps waiting per consumer. */
const JETSTREAM_MAX_WAITING = 512

let stack: Harness.Stack
/** One waiting request per consumer and replica: whether the slot is taken is visible as a 429. */
let single: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
  single = await Harness.start(1, { maxWaiting: 1 })
})
afterAll(async () => {
  await stack.close()
  await single.close()
})

interface TooManyRequestsBody {
  readonly _tag: string
  readonly message: string
  readonly retry_after_seconds: number
}

const refusedWith429 = async (response: Response) => {
  expect(response.status).toBe(429)
  expect(response.headers.get("content-type")).toContain("application/json")
  const body = await response.json() as TooManyRequestsBody
  expect(body._tag).toBe("TooManyRequests")
  const retryAfter = response.headers.get("retry-after")
  expect(retryAfter).toMatch(/^[1-9]\d*$/)
  expect(body.retry_after_seconds).toBe(Number(retryAfter))
  return body
}

describe("back-pressure on next", () => {
  it("is a 429 when JetStream already holds max_waiting pulls for the consumer", async () => {
    await Harness.createConsumer(stack, { name: "crowd", filters: { sync_id: "s_crowd" } })
    const durable = "consume-crowd"
    // Long polls parked at the consumer by others (more replicas, or `nats consumer next` on the
    // same durable): JetStream's whole waiting queue, which no gateway replica counts as its own.
    const inbox = createInbox()
    const parked = stack.nats.nc.subscribe(`${inbox}.*`)
    try {
      for (let i = 0; i < JETSTREAM_MAX_WAITING; i++) {
        stack.nats.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stack.ns.streams.records}.${durable}`,
          JSON.stringify({ batch: 1, expires: 60_000_000_000 }), { reply: `${inbox}.${i}` })
      }
      await Fixtures.waitFor("JetStream's waiting queue to be full", async () => {
        const info = await stack.nats.jsm.consumers.info(stack.ns.streams.records, durable)
        return info.num_waiting === JETSTREAM_MAX_WAITING ? true : undefined
      })
      for (const [i, method] of [[0, "GET"], [1, "POST"]] as const) {
        const started = Date.now()
        const body = await refusedWith429(await stack.call(i, method, "/v1/consumers/crowd/next?batch_size=5&wait_for=5000"))
        expect(body.message).toContain("MaxWaiting")
        // When those pulls end is known only to whoever made them: the soonest retry.
        expect(body.retry_after_seconds).toBe(1)
        // Refused at once, not after waiting out `wait_for` for a pull JetStream would not take.
        expect(Date.now() - started).toBeLessThan(4_000)
      }
    } finally {
      parked.unsubscribe()
    }
  })
})

/** A long poll on `single`'s replica from a client that can hang up (its socket closed, as when a worker dies). */
const longPoll = (path: string) => {
  const url = new URL(`${single.replicas[0]!.url}${path}`)
  const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { authorization: `Bearer ${single.token}` } })
  req.on("error", () => {})
  req.end()
  return { hangUp: () => req.destroy() }
}

/** `/next` requests `single`'s replica holds for `consumer`, from its metrics. */
const waiting = async (consumer: string) => {
  const text = await (await single.call(0, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
  return Number(new RegExp(`^tributary_gateway_waiting_requests\\{consumer="${consumer}"\\} (\\d+)`, "m").exec(text)?.[1] ?? "0")
}

describe("the replica's waiting requests", () => {
  it("when all taken, tell the refused caller to come back when the first of them runs out of wait_for", async () => {
    await Harness.createConsumer(single, { name: "queue", filters: { sync_id: "s_queue" } })
    const started = Date.now()
    const poll = longPoll("/v1/consumers/queue/next?wait_for=20000")
    try {
      await Fixtures.waitFor("the long poll to hold the slot", async () => ((await waiting("queue")) === 1 ? true : undefined))
      for (const method of ["GET", "POST"]) {
        const body = await refusedWith429(await single.call(0, method, "/v1/consumers/queue/next?wait_for=60000"))
        expect(body.message).toContain("already waiting")
        // The holder's 20 s, less the time it has waited already (rounded up to whole seconds).
        const waited = Math.ceil((Date.now() - started) / 1000)
        expect(body.retry_after_seconds).toBeLessThanOrEqual(20)
        expect(body.retry_after_seconds).toBeGreaterThanOrEqual(20 - waited)
      }
    } finally {
      poll.hangUp()
    }
    await Fixtures.waitFor("the slot to be free again", async () => ((await waiting("queue")) === 0 ? true : undefined))
    expect((await single.call(0, "GET", "/v1/consumers/queue/next")).status).toBe(200)
  })

  it("free their slot when the caller hangs up even after the consumer was changed meanwhile", async () => {
    const sync = Ids.SyncId.make("s_turns")
    await Harness.createConsumer(single, { name: "turns", filters: { sync_id: sync }, max_ack_pending: 10, ack_wait_ms: 60_000 })
    await Harness.publishRecords(single, [{ id: "turns_1", idx: 1, sync }])
    const held = await Harness.next(single, 0, "turns", 1)
    expect(held.data).toHaveLength(1)
    const poll = longPoll("/v1/consumers/turns/next?wait_for=30000")
    await Fixtures.waitFor("the long poll to hold the slot", async () => ((await waiting("turns")) === 1 ? true : undefined))
    await single.json(0, "PATCH", "/v1/consumers/turns", { max_ack_pending: 1 })
    // The replica serves the changed consumer: its one message in flight is now its max_ack_pending.
    await Fixtures.waitFor("the replica to see max_ack_pending 1", async () => {
      const response = await single.call(0, "GET", "/v1/consumers/turns/next")
      const body = await response.text()
      return response.status === 429 && body.includes("max_ack_pending is 1") ? true : undefined
    })
    expect((await Harness.ack(single, 0, "turns", [held.data[0]!.ack_token])).status).toBe(204)
    poll.hangUp()
    await Fixtures.waitFor("the slot to be free again", async () => ((await waiting("turns")) === 0 ? true : undefined))
    const answer = await single.call(0, "GET", "/v1/consumers/turns/next")
    expect(answer.status, await answer.clone().text()).toBe(200)
    expect((await answer.json() as Harness.NextBody).data).toEqual([])
  })
})

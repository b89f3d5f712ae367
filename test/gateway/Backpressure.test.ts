/**
 * Back-pressure on `next`: too many waiting requests, at the consumer's JetStream consumer (all
 * replicas and any other puller together) or on one replica, is a 429 with a JSON body and a
 * `Retry-After` header, on both HTTP paths (the hot GET route and the HttpApi's POST).
 */
import { createInbox } from "@nats-io/transport-node"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

/** `MAX_WAITING` of `consumers/JetStreamConsumer.ts`: pulls JetStream keeps waiting per consumer. */
const JETSTREAM_MAX_WAITING = 512

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
})
afterAll(() => stack.close())

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
        // Refused at once, not after waiting out `wait_for` for a pull JetStream would not take.
        expect(Date.now() - started).toBeLessThan(4_000)
      }
    } finally {
      parked.unsubscribe()
    }
  })
})

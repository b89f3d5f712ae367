/**
 * nats-server frozen (SIGSTOP): its connections stay open, nothing answers, and nats.js learns
 * of it only from missed pings, minutes later. `next` must still answer a 503 within a bounded
 * time, from its own request deadlines, not hang until the connection is declared stale.
 */
import { Ids } from "@tributary/core"
import { NatsServer } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let nats: NatsServer.Private
let stack: Harness.Stack
beforeAll(async () => {
  nats = await NatsServer.startPrivate("gateway-frozen-nats")
  stack = await Harness.start(1, {}, undefined, nats.url)
})
afterAll(async () => {
  nats?.thaw()
  await stack?.close()
  await nats?.dispose()
})

/**
 * nats.js's request timeout (5 s, consumer info and the token lookup) and the gateway's own
 * (10 s, `wire/Wire.ts`) bound every wait: at worst a long poll's pull the server never ends
 * (wait_for + 10 s), then the consumer info it asks (5 s); slack on top for a busy 2-core host.
 * Far below the minutes nats.js needs to call the connection stale (pings every 2 minutes, 2 missed).
 */
const BOUND_MS = 20_000

const timed = async (request: () => Promise<Response>) => {
  const started = Date.now()
  const response = await request()
  return { status: response.status, ms: Date.now() - started, body: await response.json() as { _tag: string; message: string } }
}

describe("gateway: nats-server frozen", () => {
  it("next and ack answer 503 within a bounded time, saying NATS did not answer, while nats-server is frozen", async () => {
    const sync = Ids.SyncId.make("s_frozen")
    await Harness.createConsumer(stack, { name: "frozen", filters: { sync_id: sync } })
    await Harness.publishRecords(stack, [{ id: "frozen_1", idx: 1, sync }])
    const first = await Harness.next(stack, 0, "frozen", 1)
    expect(first.data.length).toBe(1)
    nats.freeze()
    try {
      const answers = [
        await timed(() => stack.call(0, "GET", "/v1/consumers/frozen/next?batch_size=1")),
        await timed(() => stack.call(0, "GET", "/v1/consumers/frozen/next?batch_size=1&wait_for=1000")),
        await timed(() => Harness.ack(stack, 0, "frozen", [first.data[0]!.ack_token]))
      ]
      for (const [i, answer] of answers.entries()) {
        expect(answer.status, `request ${i}: ${JSON.stringify(answer)}`).toBe(503)
        expect(answer.ms).toBeLessThan(BOUND_MS)
        expect(answer.body._tag).toBe("Unavailable")
        expect(answer.body.message).toMatch(/^NATS (did not answer in time|is unreachable) \(/)
      }
    } finally {
      nats.thaw()
    }
    // Thawed, the same token acks.
    expect((await Harness.ack(stack, 0, "frozen", [first.data[0]!.ack_token])).status).toBe(204)
  })
})

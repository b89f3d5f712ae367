/**
 * nats-server frozen (SIGSTOP): its connections stay open, nothing answers, and nats.js learns
 * of it only from missed pings, minutes later. `next` must still answer a 503 within a bounded
 * time, from its own request deadlines, not hang until the connection is declared stale.
 */
import { Ids } from "@tributary/core"
import { Fixtures, NatsServer } from "@tributary/testkit"
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
 * (10 s for a KV request, 1 s past its expiry for a waiting pull, `wire/Wire.ts`) bound every wait:
 * at worst a KV request (10 s), or a long poll's pull the server never ends (wait_for + 1 s), then
 * the consumer info it asks (5 s); slack on top for a busy 2-core host.
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

  it("a long poll whose pull the server stops answering answers a second after its wait_for, and the consumer info it asks", async () => {
    // Also how nats-server 2.9.10 leaves a pull it dropped as it expired (nats-io/nats-server#3942).
    const sync = Ids.SyncId.make("s_stalled")
    await Harness.createConsumer(stack, { name: "stalled", filters: { sync_id: sync } })
    const answer = timed(() => stack.call(0, "GET", "/v1/consumers/stalled/next?batch_size=1&wait_for=1000"))
    await Fixtures.waitFor("the long poll's pull waiting at the server", async () => {
      const info = await stack.nats.jsm.consumers.info(stack.ns.streams.records, "consume-stalled")
      return info.num_waiting > 0 ? info : undefined
    })
    nats.freeze()
    try {
      const stalled = await answer
      expect(stalled.status, JSON.stringify(stalled)).toBe(503)
      expect(stalled.body.message).toMatch(/^NATS did not answer in time \(/)
      // wait_for, a second for the pull's end, the consumer info's 5 s, slack for a busy host.
      expect(stalled.ms).toBeLessThan(1_000 + 1_000 + 5_000 + 2_000)
    } finally {
      nats.thaw()
    }
  })
})

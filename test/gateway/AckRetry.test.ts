/**
 * A worker's retry of an ack makes the ack happen. The gateway records a settlement before it
 * tells JetStream (`+ACK`, a plain publish), and nats.js drops what is published while its
 * connection is lost: a settlement can be recorded whose `+ACK` never reached nats-server. The
 * worker, answered 503 or not answered at all, sends the ack again; that retry must reach
 * JetStream, not only answer 204 while the message stays pending.
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

/** The batch and index an ack token names (its payload is signed, not secret: docs/gateway.md, *Ack tokens*). */
const slotOf = (token: string) => {
  const [, , , batch, index] = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as [
    string, string, string, string, number
  ]
  return { batch, index }
}

/**
 * What an ack whose `+ACK` was lost leaves behind: the slot settled as acked in the batch's
 * settlement record (`<consumer>.s.<batch>` in `inflight`), JetStream never told.
 */
const settleWithoutTellingJetStream = async (consumer: string, token: string) => {
  const { batch, index } = slotOf(token)
  const inflight = await stack.nats.kvm.open(stack.ns.buckets.inflight)
  await inflight.create(`${consumer}.s.${batch}`, JSON.stringify({ s: { [index]: "a" } }))
}

const ackPending = async (consumer: string) =>
  (await stack.nats.jsm.consumers.info(stack.ns.streams.records, `consume-${consumer}`)).num_ack_pending

describe("an ack sent again", () => {
  it("after its +ACK was lost, reaches JetStream: the message is no longer pending", async () => {
    const sync = Ids.SyncId.make("s_lost_ack")
    await Harness.createConsumer(stack, { name: "lost_ack", filters: { sync_id: sync } })
    await Harness.publishRecords(stack, [{ id: "lost_ack_1", idx: 1, sync }])
    const batch = await Harness.next(stack, 0, "lost_ack", 1)
    const token = batch.data[0]!.ack_token
    expect(await ackPending("lost_ack")).toBe(1)

    await settleWithoutTellingJetStream("lost_ack", token)
    expect(await ackPending("lost_ack")).toBe(1)

    // The worker's retry, through either replica.
    expect((await Harness.ack(stack, 1, "lost_ack", [token])).status).toBe(204)
    await Fixtures.waitFor("JetStream to have the ack", async () => (await ackPending("lost_ack")) === 0 ? true : undefined,
      { timeoutMs: 5_000 })
    expect((await stack.nats.jsm.consumers.info(stack.ns.streams.records, "consume-lost_ack")).num_pending).toBe(0)
    // And again: still 204, nothing else changes.
    expect((await Harness.ack(stack, 0, "lost_ack", [token])).status).toBe(204)
  })
})

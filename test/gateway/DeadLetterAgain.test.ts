/**
 * A redriven message that fails again is dead-lettered again. Its dead letter must still say
 * where the message is in its own stream (`Tributary-Dead-Letter-Stream-Seq`, docs/gateway.md,
 * *Dead letters*): the redriven copy's sequence in the dead-letter stream would send an
 * operator looking for it to the wrong message, or to none.
 */
import { Ids, Subjects } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
})
afterAll(() => stack.close())

const SYNC = Ids.SyncId.make("s_again")
const CONSUMER = "again"
const STREAM_SEQUENCE = "Tributary-Dead-Letter-Stream-Seq"
const deadLetterStream = () => `${stack.ns.streams.records.slice(0, -"RECORDS".length)}DLQ_${CONSUMER}`

interface Listed {
  readonly data: ReadonlyArray<{ readonly seq: number; readonly attempts: number; readonly record: { readonly upstream_id: string } }>
}

/** Delivered and nacked until `next` dead-letters it (and hands out nothing). */
const failUntilDead = async (attempts: number) => {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const batch = await Fixtures.waitFor(`attempt ${attempt}`, async () => {
      const batch = await Harness.next(stack, 0, CONSUMER, 1, 500)
      return batch.data.length > 0 ? batch : undefined
    })
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["again_1"])
    expect((await stack.call(0, "POST", `/v1/consumers/${CONSUMER}/nack`, { ack_tokens: [batch.data[0]!.ack_token] })).status).toBe(204)
  }
  // Moved when it comes up for one more attempt, which `next` then does not hand out.
  const outcome = await Fixtures.waitFor("the dead letter", async () => {
    const delivered = (await Harness.next(stack, 0, CONSUMER, 1, 0)).data
    if (delivered.length > 0) return { delivered, listed: [] }
    const listed = (await stack.json<Listed>(0, "GET", `/v1/consumers/${CONSUMER}/dead-letters`)).data
    return listed.length > 0 ? { delivered, listed } : undefined
  })
  expect(outcome.delivered).toEqual([])
  return outcome.listed
}

const stored = async (stream: string, query: { seq: number } | { last_by_subj: string }) => {
  const msg = await stack.nats.jsm.streams.getMessage(stream, query)
  if (msg === null) throw new Error(`${stream} has no message ${JSON.stringify(query)}`)
  return msg
}

const streamSequenceOf = async (deadSeq: number) => (await stored(deadLetterStream(), { seq: deadSeq })).header.get(STREAM_SEQUENCE)

describe("a redriven message dead-lettered again", () => {
  it("keeps the sequence of the original message in its dead letter", async () => {
    await Harness.createConsumer(stack, { name: CONSUMER, filters: { sync_id: SYNC }, max_deliver: 2 })
    // Others first, so that the original's sequence is none the dead-letter stream hands out.
    await Harness.publishRecords(stack, [1, 2, 3, 4, 5].map((n) => ({ id: `other_${n}`, idx: 1, sync: Ids.SyncId.make("s_other") })))
    await Harness.publishRecords(stack, [{ id: "again_1", idx: 1, sync: SYNC }])
    const original = await stored(stack.ns.streams.records,
      { last_by_subj: Subjects.forRecord(stack.ns, "records", SYNC, Harness.CUSTOMER, "again_1") })

    const first = await failUntilDead(2)
    expect(first.map((d) => [d.record.upstream_id, d.attempts])).toEqual([["again_1", 2]])
    expect(await streamSequenceOf(first[0]!.seq)).toBe(String(original.seq))

    expect(await stack.json(0, "POST", `/v1/consumers/${CONSUMER}/dead-letters/redrive`, {})).toEqual({ redriven: 1 })
    const second = await failUntilDead(2)
    expect(second.map((d) => [d.record.upstream_id, d.attempts])).toEqual([["again_1", 2]])
    expect(second[0]!.seq).not.toBe(first[0]!.seq)
    expect(await streamSequenceOf(second[0]!.seq)).toBe(String(original.seq))
  })
})

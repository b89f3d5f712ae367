/**
 * JetStream refusing what the gateway asks, for reasons the gateway did not set up: its
 * consumer or stream changed behind its back. The worker or operator gets an error that names
 * JetStream's answer, the replica logs and counts it, and nothing is lost or left half-changed.
 */
import { Ids } from "@tributary/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

const logs: Array<string> = []
let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2, {}, { write: (line: string) => void logs.push(line) })
})
afterAll(() => stack.close())

const metrics = async (i: number) => (await stack.call(i, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()

describe("JetStream refusals", () => {
  it("a pull ended with a status the gateway does not know is a 502 naming it, logged and counted, and loses nothing", async () => {
    const sync = Ids.SyncId.make("s_capped")
    await Harness.createConsumer(stack, { name: "capped", filters: { sync_id: sync } })
    await Harness.publishRecords(stack, [{ id: "capped_1", idx: 1, sync }])
    // An operator caps the pull batch of the gateway's JetStream consumer: JetStream now ends
    // every larger pull with `409 Exceeded MaxRequestBatch of 2`.
    await stack.nats.jsm.consumers.update(stack.ns.streams.records, "consume-capped", { max_batch: 2 })

    // Both HTTP paths: the hot route (GET) and the HttpApi (POST).
    for (const [i, method] of [[0, "GET"], [1, "POST"]] as const) {
      const refused = await stack.call(i, method, "/v1/consumers/capped/next?batch_size=10")
      expect(refused.status).toBe(502)
      const body = await refused.json() as { _tag: string; message: string; jetstream: { code: number; description: string } }
      expect(body).toMatchObject({ _tag: "JetStreamRefused", jetstream: { code: 409, description: "Exceeded MaxRequestBatch of 2" } })
      expect(body.message).toContain("capped")
      expect(await metrics(i)).toMatch(
        /^gateway_pulls_refused_total\{consumer="capped",code="409",description="Exceeded MaxRequestBatch of 2"\} 1$/m)
    }
    const logged = logs.map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["consumer"] === "capped" && String(entry["msg"]).includes("Exceeded MaxRequestBatch of 2"))
    expect(logged.length).toBe(2)
    expect(logged[0]).toMatchObject({ level: 40, jetstream_code: 409 })

    // Within the cap the record is there, untouched by the refused pulls.
    const batch = await Harness.next(stack, 0, "capped", 2)
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["capped_1"])
    expect((await Harness.ack(stack, 1, "capped", [batch.data[0]!.ack_token])).status).toBe(204)
  })
})

/**
 * The hot consume routes (`next`, `ack`) are served outside the HttpApi: they must answer as
 * the HttpApi would, hand it what they do not take, and count in the same metrics.
 */
import { ApiTokens, Ids, Nats } from "@tributary/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
  await Harness.createConsumer(stack, { name: "hot", filters: { sync_id: "s_hot" } })
})
afterAll(() => stack.close())

const answer = async (response: Response) => ({ status: response.status, body: await response.json() as unknown })

describe("hot consume routes", () => {
  it("refuse an ack body that does not match the schema exactly as the HttpApi refuses it (progress, same schema)", async () => {
    for (const body of [{ ack_tokens: [] }, { ack_tokens: ["x"], colour: 1 }, { ack_tokens: ["x", 3] }, { ack_tokens: ["v1.x.y"] }, null]) {
      const hot = await answer(await stack.call(0, "POST", "/v1/consumers/hot/ack", body))
      const api = await answer(await stack.call(0, "POST", "/v1/consumers/hot/progress", body))
      expect(hot.status).toBe(400)
      expect(hot).toEqual(api)
    }
    const unknown = await answer(await stack.call(1, "POST", "/v1/consumers/nobody/ack", { ack_tokens: ["v1.x.y"] }))
    expect(unknown).toEqual(await answer(await stack.call(1, "POST", "/v1/consumers/nobody/progress", { ack_tokens: ["v1.x.y"] })))
    expect(unknown.status).toBe(404)
  })

  it("answer a body that is not JSON with an InvalidRequest naming the body", async () => {
    const response = await fetch(`${stack.replicas[0]!.url}/v1/consumers/hot/ack`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" },
      body: "{not json"
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ _tag: "InvalidRequest", field: "body" })
  })

  it("leave tokens they have no fresh answer for, bad names and bad queries to the HttpApi", async () => {
    expect((await stack.call(0, "GET", "/v1/consumers/hot/next", undefined, "trb_unknown")).status).toBe(401)
    expect((await stack.call(1, "POST", "/v1/consumers/hot/ack", { ack_tokens: ["v1.x.y"] }, null)).status).toBe(401)
    // A token created after the replicas started is looked up on its first request, then served hot.
    const { token } = await Effect.runPromise(ApiTokens.create("late").pipe(Effect.provideService(Nats.Nats, stack.nats)))
    for (let i = 0; i < 2; i++) expect((await stack.call(0, "GET", "/v1/consumers/hot/next", undefined, token)).status).toBe(200)
    expect(await (await stack.call(0, "GET", "/v1/consumers/hot/next?batch_size=0")).json()).toMatchObject({ field: "batch_size" })
    expect(await (await stack.call(0, "GET", "/v1/consumers/Bad%20Name/next")).json()).toMatchObject({ field: "name" })
  })

  it("count their requests in the replica's metrics", async () => {
    await Harness.publishRecords(stack, [{ id: "hot_1", idx: 1, sync: Ids.SyncId.make("s_hot") }])
    const batch = await Harness.next(stack, 1, "hot", 10)
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["hot_1"])
    expect((await Harness.ack(stack, 1, "hot", batch.data.map((d) => d.ack_token))).status).toBe(204)
    const metrics = await (await stack.call(1, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
    expect(metrics).toMatch(/tributary_gateway_http_requests_total\{method="POST",route="\/v1\/consumers\/\{name\}\/ack",consumer="hot",status="204"\} [1-9]/)
    expect(metrics).toMatch(/tributary_gateway_http_requests_total\{method="GET",route="\/v1\/consumers\/\{name\}\/next",consumer="hot",status="200"\} [1-9]/)
  })
})

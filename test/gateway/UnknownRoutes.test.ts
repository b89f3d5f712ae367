/**
 * A request no route takes is answered like every other error: a JSON body with `_tag` and
 * `message`, never the router's empty 404. The token comes first, as on every `/v1` route:
 * without a valid one the answer is the same 401 whatever the path, so which routes exist
 * cannot be learnt without a token. Requests shaped like the hot consume routes are handed to
 * the HttpApi and answered the same.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
  await Harness.createConsumer(stack, { name: "routed", filters: { sync_id: "s_routed" } })
})
afterAll(() => stack.close())

interface ErrorBody {
  readonly _tag: string
  readonly message: string
}

const answer = async (response: Response) => ({
  status: response.status,
  type: response.headers.get("content-type"),
  allow: response.headers.get("allow"),
  body: await response.json() as ErrorBody
})

describe("unknown routes", () => {
  it("with a valid token: a path no route has is a 404 with a JSON body naming the method and path", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nothing"],
      ["GET", "/nothing"],
      ["POST", "/v1/syncs/sync_x/nothing"],
      // Under the hot routes' prefix: the hot routes hand it to the HttpApi.
      ["GET", "/v1/consumers/routed/nothing"],
      ["POST", "/v1/consumers/routed/next/more"]
    ] as const) {
      const got = await answer(await stack.call(0, method, path))
      expect(got, `${method} ${path}`).toMatchObject({ status: 404, type: "application/json", allow: null, body: { _tag: "NotFound" } })
      expect(got.body.message).toContain(`${method} ${path}`)
      expect(got.body.message).toContain("/openapi.json")
    }
  })

  it("with a valid token: a route's path under another method is a 405 with Allow and a JSON body", async () => {
    // The token is fresh in the replica's cache, so the hot routes would take their own requests.
    expect((await stack.call(0, "GET", "/v1/consumers/routed/next")).status).toBe(200)
    for (const [method, path, allow] of [
      ["PUT", "/v1/consumers", "GET, HEAD, POST"],
      ["PUT", "/v1/consumers/", "GET, HEAD, POST"],
      ["PUT", "/v1/consumers/routed", "DELETE, GET, HEAD, PATCH"],
      ["DELETE", "/v1/consumers/routed/next", "GET, POST"],
      ["GET", "/v1/consumers/routed/ack", "POST"],
      ["PUT", "/v1/syncs/sync_x/proxy-credentials/app", "DELETE"],
      ["POST", "/openapi.json", "GET, HEAD"]
    ] as const) {
      const got = await answer(await stack.call(0, method, path))
      expect(got, `${method} ${path}`).toMatchObject({ status: 405, type: "application/json", allow, body: { _tag: "MethodNotAllowed" } })
      expect(got.body.message).toContain(`${method} ${path}`)
      expect(got.body.message).toContain(allow)
    }
  })

  it("HEAD next is a 405 that takes nothing: a GET's answer without its body would lose the batch until its ack wait", async () => {
    await Harness.createConsumer(stack, { name: "headless", filters: { sync_id: "s_headless" } })
    await Harness.publishRecords(stack, [1, 2].map((n) => ({ id: `headless_${n}`, idx: 1, sync: "s_headless" as never })))
    for (let round = 0; round < 2; round++) {
      // The second round with the token fresh in the replica's cache, as the hot routes want it.
      const head = await stack.call(0, "HEAD", "/v1/consumers/headless/next?batch_size=2")
      expect(head.status).toBe(405)
      expect(head.headers.get("allow")).toBe("GET, POST")
    }
    expect((await stack.call(0, "HEAD", "/v1/consumers/headless/next", undefined, "trb_not-a-token")).status).toBe(401)
    const batch = await Harness.next(stack, 0, "headless", 10)
    expect(batch.data.map((d) => d.record?.upstream_id).sort()).toEqual(["headless_1", "headless_2"])
  })

  it("without a valid token: a 401, the same as a route's, whatever the path or method", async () => {
    for (const token of [null, "trb_not-a-token"]) {
      const route = await answer(await stack.call(0, "GET", "/v1/consumers", undefined, token))
      expect(route.status).toBe(401)
      for (const [method, path] of [["GET", "/v1/nothing"], ["GET", "/nothing"], ["PUT", "/v1/consumers"], ["DELETE", "/v1/consumers/routed/next"]] as const) {
        expect(await answer(await stack.call(0, method, path, undefined, token)), `${method} ${path}`).toEqual(route)
      }
    }
  })

  it("are counted under their route, or as unmatched: never a series per path", async () => {
    await stack.call(0, "GET", "/v1/counted-nothing")
    await stack.call(0, "PUT", "/v1/consumers")
    const metrics = await (await stack.call(0, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
    expect(metrics).toMatch(/^tributary_gateway_http_requests_total\{method="GET",route="unmatched",consumer="",status="404"\} [1-9]/m)
    expect(metrics).toMatch(/^tributary_gateway_http_requests_total\{method="PUT",route="\/v1\/consumers",consumer="",status="405"\} [1-9]/m)
    expect(metrics).not.toContain("counted-nothing")
  })
})

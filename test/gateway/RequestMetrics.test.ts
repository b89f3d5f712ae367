/**
 * The HTTP request metrics of a replica, per consumer: `tributary_gateway_http_requests_total` and
 * `tributary_gateway_http_request_duration_seconds` carry a `consumer` label on the routes of one
 * consumer, on both HTTP paths (hot routes and HttpApi), and only ever a name the replica
 * knows as a consumer: a name from a request alone cannot add a series.
 */
import { Ids } from "@tributary/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
})
afterAll(() => stack.close())

interface Series {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** The replica's `/metrics`, one entry per series. */
const scrape = async (i: number): Promise<Array<Series>> => {
  const text = await (await stack.call(i, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
  return [...text.matchAll(/^(\w+)\{(.*)\} (\S+)$/gm)].map(([, name, labels, value]) => ({
    name: name!,
    labels: Object.fromEntries([...labels!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!])),
    value: Number(value)
  }))
}

const count = (series: ReadonlyArray<Series>, name: string, labels: Record<string, string>) =>
  series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)

const requests = "tributary_gateway_http_requests_total"
const latencies = "tributary_gateway_http_request_duration_seconds_count"

describe("request metrics", () => {
  it("label the routes of a consumer with its name, on the hot routes and the HttpApi alike", async () => {
    const sync = Ids.SyncId.make("s_tallied")
    await Harness.createConsumer(stack, { name: "tallied", filters: { sync_id: sync } })
    await Harness.publishRecords(stack, [{ id: "tallied_1", idx: 1, sync }])
    const batch = await Harness.next(stack, 0, "tallied", 10)
    expect((await Harness.ack(stack, 0, "tallied", batch.data.map((d) => d.ack_token))).status).toBe(204)
    expect((await stack.call(0, "POST", "/v1/consumers/tallied/next?batch_size=10")).status).toBe(200)
    expect((await stack.call(0, "GET", "/v1/consumers/tallied")).status).toBe(200)
    await stack.call(0, "GET", "/healthz", undefined, null)

    const series = await scrape(0)
    const tallied = { consumer: "tallied" }
    // The hot routes (GET next, POST ack).
    expect(count(series, requests, { ...tallied, method: "GET", route: "/v1/consumers/{name}/next", status: "200" })).toBe(1)
    expect(count(series, requests, { ...tallied, method: "POST", route: "/v1/consumers/{name}/ack", status: "204" })).toBe(1)
    // The HttpApi (POST next, GET the consumer).
    expect(count(series, requests, { ...tallied, method: "POST", route: "/v1/consumers/{name}/next", status: "200" })).toBe(1)
    expect(count(series, requests, { ...tallied, method: "GET", route: "/v1/consumers/{name}", status: "200" })).toBe(1)
    expect(count(series, latencies, { ...tallied, method: "GET", route: "/v1/consumers/{name}/next" })).toBe(1)
    expect(count(series, latencies, { ...tallied, method: "GET", route: "/v1/consumers/{name}" })).toBe(1)
    // Routes of no single consumer: an empty label.
    expect(count(series, requests, { consumer: "", route: "/healthz", status: "200" })).toBeGreaterThanOrEqual(1)
    expect(count(series, requests, { consumer: "", method: "POST", route: "/v1/consumers", status: "201" })).toBeGreaterThanOrEqual(1)
  })

  it("never label by a name the replica does not know as a consumer: 404s, 401s and bad names are `unknown`", async () => {
    const before = await scrape(1)
    const unknown = (s: ReadonlyArray<Series>, labels: Record<string, string>) => count(s, requests, { consumer: "unknown", ...labels })
    expect((await stack.call(1, "GET", "/v1/consumers/ghost_a/next")).status).toBe(404)
    expect((await stack.call(1, "POST", "/v1/consumers/ghost_b/ack", { ack_tokens: ["x"] })).status).toBe(404)
    expect((await stack.call(1, "PATCH", "/v1/consumers/ghost_c", { max_ack_pending: 5 })).status).toBe(404)
    expect((await stack.call(1, "GET", "/v1/consumers/ghost_d/next", undefined, null)).status).toBe(401)
    expect((await stack.call(1, "GET", "/v1/consumers/Ghost%20E/next")).status).toBe(400)
    const after = await scrape(1)
    expect(after.filter((s) => Object.values(s.labels).some((v) => v.toLowerCase().includes("ghost")))).toEqual([])
    const grew = (labels: Record<string, string>) => unknown(after, labels) - unknown(before, labels)
    expect(grew({ method: "GET", route: "/v1/consumers/{name}/next", status: "404" })).toBe(1)
    expect(grew({ method: "POST", route: "/v1/consumers/{name}/ack", status: "404" })).toBe(1)
    expect(grew({ method: "PATCH", route: "/v1/consumers/{name}", status: "404" })).toBe(1)
    expect(grew({ method: "GET", route: "/v1/consumers/{name}/next", status: "401" })).toBe(1)
    expect(grew({ method: "GET", route: "/v1/consumers/{name}/next", status: "400" })).toBe(1)
  })

  it("keep the name of a consumer created through another replica a moment ago, and of one a DELETE removes", async () => {
    // Created through replica 1 and at once asked for through replica 0, whose watch may not have it yet
    // (usually it has: the labels' rules for either order are unit-tested in RequestLabels.test.ts).
    await stack.json(1, "POST", "/v1/consumers", { name: "fleeting", filters: { sync_id: "s_fleeting" } })
    expect((await stack.call(0, "GET", "/v1/consumers/fleeting/next")).status).toBe(200)
    expect((await stack.call(0, "DELETE", "/v1/consumers/fleeting")).status).toBe(204)
    const series = await scrape(0)
    expect(count(series, requests, { consumer: "fleeting", method: "GET", route: "/v1/consumers/{name}/next", status: "200" })).toBe(1)
    expect(count(series, requests, { consumer: "fleeting", method: "DELETE", route: "/v1/consumers/{name}", status: "204" })).toBe(1)
  })
})

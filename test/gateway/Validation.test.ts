/**
 * Bad input to the consume routes (hot or not) and to the management routes with a body: a 400
 * with an `InvalidRequest` JSON body naming the field at fault, never an empty 400, and never a
 * bad value silently replaced by a default.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(1)
  await Harness.createConsumer(stack, { name: "strict", filters: { sync_id: "s_strict" } })
})
afterAll(() => stack.close())

const consumer = "/v1/consumers/strict"

/** A request with a raw body (`undefined`: none) and its content type. */
const send = (method: string, path: string, body?: string, contentType = "application/json") =>
  fetch(`${stack.replicas[0]!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.token}`, ...(body === undefined ? {} : { "content-type": contentType }) },
    ...(body === undefined ? {} : { body })
  })

const expectInvalid = async (response: Response, field: string) => {
  expect(response.status).toBe(400)
  expect(response.headers.get("content-type")).toContain("application/json")
  const body = await response.json() as { _tag: string; field: string; message: string }
  expect(body).toMatchObject({ _tag: "InvalidRequest", field })
  expect(body.message).toContain(field)
}

describe("bad input", () => {
  it("to next: batch_size and wait_for that are not integers in range name the parameter", async () => {
    for (const method of ["GET", "POST"]) {
      for (const [query, field] of [
        ["batch_size=abc", "batch_size"],
        ["batch_size=2.5", "batch_size"],
        ["batch_size=1001", "batch_size"],
        ["wait_for=60001", "wait_for"],
        ["wait_for=-1", "wait_for"],
        ["wait_for=soon", "wait_for"]
      ] as const) {
        await expectInvalid(await send(method, `${consumer}/next?${query}`), field)
      }
    }
  })

  it("to next and dead-letters: an unknown query parameter is named, not ignored (a typo was a batch of one)", async () => {
    // Once with the token fresh in the replica's cache: the hot route decodes `next` itself.
    expect((await send("GET", `${consumer}/next`)).status).toBe(200)
    for (const method of ["GET", "POST"]) {
      await expectInvalid(await send(method, `${consumer}/next?batchsize=10`), "batchsize")
      await expectInvalid(await send(method, `${consumer}/next?batch_size=10&wait=1000`), "wait")
    }
    await expectInvalid(await send("GET", `${consumer}/dead-letters?limt=5`), "limt")
  })

  it("to POST next: a body is refused, saying batch_size and wait_for go in the query string (it was ignored: a batch of 1)", async () => {
    await Harness.publishRecords(stack, [1, 2, 3].map((n) => ({ id: `post_next_${n}`, idx: 1, sync: "s_strict" as never })))
    for (const body of [JSON.stringify({ batch_size: 3 }), JSON.stringify({ wait_for: 1000 }), "[]", "3"]) {
      const response = await send("POST", `${consumer}/next`, body)
      expect(`${body}: ${response.status}`).toBe(`${body}: 400`)
      const answer = await response.json() as { field: string; message: string }
      expect(answer.field).toBe("body")
      expect(answer.message).toContain("query string")
    }
    // No body, an empty one or `{}` (what some clients send with every POST) is no parameter.
    for (const body of [undefined, "", "{}"]) {
      const response = await send("POST", `${consumer}/next?batch_size=1`, body)
      expect(`${String(body)}: ${response.status}`).toBe(`${String(body)}: 200`)
      expect(((await response.json()) as Harness.NextBody).data).toHaveLength(1)
    }
  })

  it("to ack, nack and progress: an empty ack_tokens array names ack_tokens", async () => {
    for (const action of ["ack", "nack", "progress"]) {
      await expectInvalid(await send("POST", `${consumer}/${action}`, JSON.stringify({ ack_tokens: [] })), "ack_tokens")
    }
    await expectInvalid(await send("POST", `${consumer}/nack`, JSON.stringify({ ack_tokens: ["x"], delay_ms: "later" })), "delay_ms")
  })

  it("to create a consumer: a filter that is neither '*' nor an id says what an id looks like", async () => {
    const collection = await send("POST", "/v1/consumers", JSON.stringify({ name: "bad_filter", filters: { collection_id: "invoice" } }))
    const collectionBody = await collection.clone().json() as { message: string }
    await expectInvalid(collection, "filters.collection_id")
    expect(collectionBody.message).toContain("stripe:customer")
    const sync = await send("POST", "/v1/consumers", JSON.stringify({ name: "bad_filter", filters: { sync_id: "a.b" } }))
    const syncBody = await sync.clone().json() as { message: string }
    await expectInvalid(sync, "filters.sync_id")
    expect(syncBody.message).toContain("letters, digits")
  })

  it("to create or change a consumer: a collection no connector mirrors names filters.collection_id and what there is", async () => {
    const consumers = await stack.nats.kvm.open(stack.ns.buckets.consumers)
    // A collection of a known source that its connector does not mirror: the same list a sync's collections are checked against.
    const unknown = await send("POST", "/v1/consumers", JSON.stringify({ name: "nope", filters: { collection_id: "stripe:nope" } }))
    const unknownBody = await unknown.clone().json() as { message: string }
    await expectInvalid(unknown, "filters.collection_id")
    expect(unknownBody.message).toContain("stripe offers no collection stripe:nope")
    expect(unknownBody.message).toContain("stripe:customer, stripe:product")
    const syncRefusal = await (await send("POST", "/v1/syncs", JSON.stringify({ source: "stripe", api_key: "sk_test_nope", collections: ["stripe:nope"] }))).json() as { message: string }
    expect(unknownBody.message).toContain(syncRefusal.message.slice(syncRefusal.message.indexOf("it offers")))
    // A collection of a source Tributary has no connector for.
    const source = await send("POST", "/v1/consumers", JSON.stringify({ name: "nope", filters: { collection_id: "github:issue" } }))
    const sourceBody = await source.clone().json() as { message: string }
    await expectInvalid(source, "filters.collection_id")
    expect(sourceBody.message).toContain("github")
    expect(sourceBody.message).toContain("stripe")
    // Nothing was stored, and no JetStream consumer was made.
    expect(await consumers.get("nope")).toBeNull()
    expect((await send("GET", "/v1/consumers/nope")).status).toBe(404)
    await expect(stack.nats.jsm.consumers.info(stack.ns.streams.records, "consume-nope")).rejects.toThrow()

    // PATCH is checked the same, and leaves the consumer as it was.
    const before = (await consumers.get("strict"))!
    for (const collection of ["stripe:nope", "github:issue"]) {
      await expectInvalid(await send("PATCH", consumer, JSON.stringify({ filters: { collection_id: collection }, ack_wait_ms: 5_000 })),
        "filters.collection_id")
    }
    const after = (await consumers.get("strict"))!
    expect([after.revision, after.string()]).toEqual([before.revision, before.string()])

    // `*` and a collection the connector mirrors are taken, on create and PATCH.
    for (const [name, collection] of [["any_collection", "*"], ["invoices", "stripe:invoice"]] as const) {
      const created = await send("POST", "/v1/consumers", JSON.stringify({ name, filters: { collection_id: collection, sync_id: "s_strict" } }))
      expect(created.status, await created.clone().text()).toBe(201)
    }
    for (const collection of ["stripe:upcoming_invoice", "*"]) {
      const patched = await send("PATCH", consumer, JSON.stringify({ filters: { collection_id: collection } }))
      expect(patched.status, await patched.clone().text()).toBe(200)
      expect(await patched.json()).toMatchObject({ filters: { collection_id: collection, sync_id: "s_strict" } })
    }
  })

  it("a body that is not JSON names the body, on every route that reads one", async () => {
    for (const [method, path] of [
      ["POST", `${consumer}/ack`],
      ["POST", `${consumer}/nack`],
      ["POST", `${consumer}/progress`],
      ["POST", `${consumer}/dead-letters/redrive`],
      ["POST", "/v1/consumers"],
      ["PATCH", consumer],
      ["POST", "/v1/syncs"]
    ] as const) {
      await expectInvalid(await send(method, path, "{not json"), "body")
    }
  })

  it("a body over 10 MiB names the body on every route that reads one, as the hot ack route does (the HttpApi read any size)", async () => {
    // Valid JSON of the right shape: only its size is wrong.
    const huge = JSON.stringify({ ack_tokens: ["v1." + "a".repeat(11 * 1024 * 1024)] })
    for (const [method, path] of [
      ["POST", `${consumer}/ack`],
      ["POST", `${consumer}/nack`],
      ["POST", `${consumer}/progress`],
      ["POST", "/v1/consumers"],
      ["PATCH", consumer]
    ] as const) {
      const response = await send(method, path, huge)
      await expectInvalid(response.clone(), "body")
      expect(`${method} ${path}: ${((await response.json()) as { message: string }).message}`)
        .toBe(`${method} ${path}: body: larger than 10 MiB`)
    }
    // The token first, as on every route.
    const anonymous = await fetch(`${stack.replicas[0]!.url}${consumer}/nack`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: huge
    })
    expect(anonymous.status).toBe(401)
  })

  it("a JSON body sent as a form (curl -d without a content type) says to send it as JSON, not that the body is a field", async () => {
    const json = JSON.stringify({ name: "form_body", filters: { sync_id: "s_strict" } })
    for (const [method, path, body] of [
      ["POST", "/v1/consumers", json],
      ["PATCH", consumer, JSON.stringify({ ack_wait_ms: 1000 })],
      ["POST", `${consumer}/ack`, JSON.stringify({ ack_tokens: ["x"] })],
      ["POST", `${consumer}/dead-letters/redrive`, "{}"]
    ] as const) {
      const response = await send(method, path, body, "application/x-www-form-urlencoded")
      const text = await response.clone().text()
      await expectInvalid(response, "body")
      expect(text).toContain("content-type: application/json")
      expect(text).toContain("application/x-www-form-urlencoded")
    }
    // Nothing was created from it.
    expect((await send("GET", "/v1/consumers/form_body")).status).toBe(404)
    // Without a body, a bad query is still named, whatever the content type says.
    const query = await fetch(`${stack.replicas[0]!.url}${consumer}/dead-letters?limit=0`, {
      headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/x-www-form-urlencoded" }
    })
    await expectInvalid(query, "limit")
  })

  it("to redrive: a bad limit is refused, not replaced by the default; no body takes the default", async () => {
    await expectInvalid(await send("POST", `${consumer}/dead-letters/redrive`, JSON.stringify({ limit: 0 })), "limit")
    await expectInvalid(await send("POST", `${consumer}/dead-letters/redrive`, JSON.stringify({ limit: "all" })), "limit")
    await expectInvalid(await send("POST", `${consumer}/dead-letters/redrive`, JSON.stringify({ colour: 1 })), "colour")
    for (const body of [undefined, "", "{}"]) {
      const response = await send("POST", `${consumer}/dead-letters/redrive`, body)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ redriven: 0 })
    }
  })

  it("to create a sync: a source without a connector names source and the sources there are", async () => {
    const response = await send("POST", "/v1/syncs", JSON.stringify({ source: "github", api_key: "ghp_x" }))
    const body = await response.clone().json() as { message: string }
    await expectInvalid(response, "source")
    expect(body.message).toContain("stripe")
    expect(body.message).toContain("github")
    // Nothing was stored: the sync service never sees a sync it could not run.
    const listed = await (await send("GET", "/v1/syncs")).json() as { data: Array<{ source: string }> }
    expect(listed.data.filter((sync) => sync.source === "github")).toEqual([])
    // The OpenAPI document says the same: the schema that refused it is the one it is made from.
    const spec = await (await send("GET", "/openapi.json")).json() as {
      components: { schemas: Record<string, { properties?: Record<string, { $ref?: string }> }> }
    }
    const ref = spec.components.schemas["CreateSync"]?.properties?.["source"]?.$ref ?? ""
    expect(spec.components.schemas[ref.replace("#/components/schemas/", "")]).toMatchObject({ enum: ["stripe"] })
  })

  it("to issue a proxy credential: no body is {} (the default name); a body that is there must be right", async () => {
    const sync = await (await send("POST", "/v1/syncs", JSON.stringify({ source: "stripe", api_key: "sk_test_credentials" }))).json() as { id: string }
    const path = `/v1/syncs/${sync.id}/proxy-credentials`
    for (const body of [undefined, "", "{}"]) {
      const response = await send("POST", path, body)
      expect(response.status, String(await response.clone().text())).toBe(201)
      expect(await response.json()).toMatchObject({ user: `app.${sync.id}` })
    }
    await expectInvalid(await send("POST", path, JSON.stringify({ name: 7 })), "name")
    await expectInvalid(await send("POST", path, JSON.stringify({ colour: "blue" })), "colour")
    await expectInvalid(await send("POST", path, JSON.stringify(["app"])), "body")
    await expectInvalid(await send("POST", path, "{not json"), "body")
    await send("DELETE", `/v1/syncs/${sync.id}`)
  })

  it("to dead-letters: after and limit that are not integers in range name the parameter", async () => {
    await expectInvalid(await send("GET", `${consumer}/dead-letters?after=abc`), "after")
    await expectInvalid(await send("GET", `${consumer}/dead-letters?limit=0`), "limit")
  })
})

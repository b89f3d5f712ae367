/** The management API: auth, validation, consumers, syncs and the OpenAPI document. */
import { createHash } from "node:crypto"
import { ApiTokens, Nats, SyncStatus } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

let stack: Harness.Stack
beforeAll(async () => {
  stack = await Harness.start(2)
})
afterAll(() => stack.close())

describe("management API", () => {
  it("answers 401 without a token or with an unknown one", async () => {
    const missing = await stack.call(0, "GET", "/v1/consumers", undefined, null)
    expect(missing.status).toBe(401)
    expect(((await missing.json()) as { message: string }).message).toContain("Bearer")
    expect((await stack.call(1, "GET", "/v1/consumers", undefined, "trb_not-a-token")).status).toBe(401)
    expect((await stack.call(0, "GET", "/healthz", undefined, null)).status).toBe(200)
    expect(await (await stack.call(1, "GET", "/readyz", undefined, null)).json()).toEqual({ status: "ready" })
  })

  it("takes a token only as `Bearer <token>` (the scheme in any case), on every path; another scheme or none says what to send", async () => {
    const as = (authorization: string, path: string, method = "GET") =>
      fetch(`${stack.replicas[0]!.url}${path}`, { method, headers: { authorization } })
    await Harness.createConsumer(stack, { name: "auth_scheme" })
    // The HttpApi, the hot `next` route and a path no route has.
    const paths = ["/v1/consumers/auth_scheme", "/v1/consumers/auth_scheme/next", "/v1/nothing"]
    for (const path of paths) {
      for (const wrong of [`Basic1 ${stack.token}`, `xxxxxxx${stack.token}`, `Bearer:${stack.token}`, `Token ${stack.token}`]) {
        expect(`${path} ${wrong}: ${(await as(wrong, path)).status}`).toBe(`${path} ${wrong}: 401`)
      }
      const bare = await as(stack.token, path)
      expect(bare.status).toBe(401)
      expect(((await bare.json()) as { message: string }).message).toContain("Authorization: Bearer <token>")
      const basic = await as(`Basic ${stack.token}`, path)
      expect(((await basic.json()) as { message: string }).message).toContain("Basic")
      for (const right of [`Bearer ${stack.token}`, `bearer ${stack.token}`, `BEARER  ${stack.token}`]) {
        expect(`${path} ${right}: ${(await as(right, path)).status}`).not.toBe(`${path} ${right}: 401`)
      }
    }
  })

  it("keeps only a hash of each token, and refuses a revoked one within seconds", async () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Nats.Nats>) => Effect.runPromise(Effect.provideService(effect, Nats.Nats, stack.nats))
    const { token } = await run(ApiTokens.create("short-lived"))
    expect((await stack.call(0, "GET", "/v1/consumers", undefined, token)).status).toBe(200)
    const bucket = await stack.nats.kvm.open(stack.ns.buckets.tokens)
    const keys: Array<string> = []
    for await (const key of await bucket.keys()) keys.push(key)
    expect(keys).toContain(createHash("sha256").update(token).digest("hex"))
    for (const key of keys) expect(`${key} ${(await bucket.get(key))?.string()}`).not.toContain(token)
    await run(ApiTokens.revoke("short-lived"))
    await Fixtures.waitFor("the revoked token to be refused", async () =>
      (await stack.call(1, "GET", "/v1/consumers", undefined, token)).status === 401 ? true : undefined)
  })

  it("answers 400 naming the field of a bad consumer body", async () => {
    const bad = await stack.call(0, "POST", "/v1/consumers", { name: "ok_name", filters: { collection_id: "Not A Collection" } })
    expect(bad.status).toBe(400)
    const body = await bad.json() as { _tag: string; field: string; message: string }
    expect(body).toMatchObject({ _tag: "InvalidRequest", field: "filters.collection_id" })
    const badName = await stack.json<unknown>(0, "POST", "/v1/consumers", { name: "has space" }).catch((e: Error) => e.message)
    expect(badName).toContain("\"field\":\"name\"")
    const unknown = await stack.call(1, "POST", "/v1/consumers", { name: "x1", colour: "blue" })
    expect(await unknown.json()).toMatchObject({ field: "colour" })
    const batch = await stack.call(0, "GET", "/v1/consumers/x/next?batch_size=5000")
    expect(await batch.json()).toMatchObject({ field: "batch_size" })
  })

  it("answers 404 for an unknown consumer, on management and consume routes", async () => {
    expect((await stack.call(0, "GET", "/v1/consumers/nobody")).status).toBe(404)
    expect((await stack.call(1, "GET", "/v1/consumers/nobody/next")).status).toBe(404)
    expect((await stack.call(0, "POST", "/v1/consumers/nobody/ack", { ack_tokens: ["v1.x.y"] })).status).toBe(404)
  })

  it("answers 400 to a forged, tampered or other consumer's ack token", async () => {
    await Harness.createConsumer(stack, { name: "tok_a", filters: { sync_id: "s_tok" } })
    await Harness.createConsumer(stack, { name: "tok_b", filters: { sync_id: "s_tok" } })
    await Harness.publishRecords(stack, [{ id: "tok_1", idx: 1, sync: "s_tok" as never }])
    const batch = await Harness.next(stack, 0, "tok_a", 1)
    const token = batch.data[0]!.ack_token
    const [version, payload, signature] = token.split(".")
    const forged = `${version}.${payload}.${"A".repeat(signature!.length)}`
    const tampered = `${version}.${Buffer.from(Buffer.from(payload!, "base64url").toString().replace("tok_a", "tok_b")).toString("base64url")}.${signature}`
    for (const [consumer, bad] of [["tok_a", forged], ["tok_b", tampered], ["tok_b", token], ["tok_a", "garbage"]] as const) {
      const response = await Harness.ack(stack, 1, consumer, [bad])
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ _tag: "InvalidRequest", field: "ack_tokens[0]" })
    }
    expect((await Harness.ack(stack, 1, "tok_a", [token])).status).toBe(204)
  })

  it("answers 400 to a token of an earlier consumer of the same name, deleted since, and acks nothing of the new one", async () => {
    const config = { name: "reborn", filters: { sync_id: "s_reborn" }, ack_wait_ms: 60_000 }
    await Harness.createConsumer(stack, config)
    await Harness.publishRecords(stack, [{ id: "reborn_1", idx: 1, sync: "s_reborn" as never }])
    const old = (await Harness.next(stack, 0, "reborn", 1)).data[0]!.ack_token
    expect((await stack.call(0, "DELETE", "/v1/consumers/reborn")).status).toBe(204)
    await Harness.createConsumer(stack, config)
    // The same message, delivered by the new consumer, that a worker now holds.
    const held = (await Harness.next(stack, 1, "reborn", 1)).data
    expect(held.map((d) => d.record?.upstream_id)).toEqual(["reborn_1"])
    // The replica that issued the old token and the other one, for every way of settling it.
    for (const [i, action] of [[0, "ack"], [1, "ack"], [0, "nack"], [1, "progress"]] as const) {
      const response = await stack.call(i, "POST", `/v1/consumers/reborn/${action}`, { ack_tokens: [old] })
      expect(`${action} on ${i}: ${response.status}`).toBe(`${action} on ${i}: 400`)
      const body = (await response.json()) as { field: string; message: string }
      expect(body.field).toBe("ack_tokens[0]")
      expect(body.message).toContain("earlier consumer")
    }
    // The worker's nack is its own: the message comes back, it was not acked by the old token.
    expect((await stack.call(1, "POST", "/v1/consumers/reborn/nack", { ack_tokens: [held[0]!.ack_token] })).status).toBe(204)
    await Fixtures.waitFor("the nacked message to be delivered again", async () => {
      const again = await Harness.next(stack, 0, "reborn", 1)
      return again.data.length > 0 ? again : undefined
    })
  })

  it("creates, lists, updates and deletes consumers; refuses changes JetStream cannot apply with 409", async () => {
    const created = await Harness.createConsumer(stack, { name: "crud", filters: { collection_id: "stripe:customer" } })
    expect(created).toMatchObject({ name: "crud", source: "records", ack_wait_ms: 30_000, max_deliver: -1, deliver_policy: "all" })
    expect((await stack.call(1, "POST", "/v1/consumers", { name: "crud" })).status).toBe(409)
    const list = await stack.json<{ data: Array<{ name: string }> }>(1, "GET", "/v1/consumers")
    expect(list.data.map((c) => c.name)).toContain("crud")
    const refused = await stack.call(0, "PATCH", "/v1/consumers/crud", { deliver_policy: "new" })
    expect(refused.status).toBe(409)
    const body = await refused.json() as { field: string; message: string }
    expect(body.field).toBe("deliver_policy")
    expect(body.message).toContain("cannot change the deliver policy")
    expect((await stack.call(0, "PATCH", "/v1/consumers/crud", { source: "events" })).status).toBe(409)
    const updated = await stack.json<{ filters: unknown; ack_wait_ms: number }>(1, "PATCH", "/v1/consumers/crud",
      { filters: { collection_id: "stripe:invoice" }, ack_wait_ms: 5_000 })
    expect(updated).toMatchObject({ filters: { collection_id: "stripe:invoice", sync_id: "*" }, ack_wait_ms: 5_000 })
    const info = await stack.nats.jsm.consumers.info(stack.ns.streams.records, "consume-crud")
    expect(info.config.filter_subject).toBe(`${stack.ns.root}.records.*.stripe_invoice.*`)
    expect((await stack.call(0, "DELETE", "/v1/consumers/crud")).status).toBe(204)
    expect((await stack.call(1, "GET", "/v1/consumers/crud")).status).toBe(404)
  })

  it("keeps the consumers bucket and JetStream in agreement when two PATCHes of a consumer race", async () => {
    await Harness.createConsumer(stack, { name: "race", filters: { sync_id: "s_race" } })
    const deadLetterStream = `${stack.ns.streams.records.slice(0, -"RECORDS".length)}DLQ_race`
    for (let round = 1; round <= 8; round++) {
      const answers = await Promise.all([0, 1].map((i) =>
        stack.call(i, "PATCH", "/v1/consumers/race", { max_ack_pending: round * 10 + i, ack_wait_ms: 1_000 * (round * 2 + i) })))
      // Applied one after the other, or one refused as concurrent with a 409 that says so; never lost silently.
      expect([[200, 200], [200, 409]]).toContainEqual(answers.map((a) => a.status).sort())
      for (const answer of answers) {
        if (answer.status === 409) expect(await answer.json()).toMatchObject({ _tag: "Conflict", message: expect.stringContaining("retry") })
      }
      const stored = await stack.json<{ max_ack_pending: number; ack_wait_ms: number }>(round % 2, "GET", "/v1/consumers/race")
      const main = await stack.nats.jsm.consumers.info(stack.ns.streams.records, "consume-race")
      const redrive = await stack.nats.jsm.consumers.info(deadLetterStream, "redrive")
      for (const { config } of [main, redrive]) {
        expect([config.max_ack_pending, config.ack_wait]).toEqual([stored.max_ack_pending, stored.ack_wait_ms * 1_000_000])
      }
    }
  })

  it("manages syncs; the API key is accepted and never returned", async () => {
    const created = await stack.json<Record<string, unknown>>(0, "POST", "/v1/syncs", {
      source: "stripe", api_key: "sk_test_secret_123", external_id: "acme"
    })
    expect(JSON.stringify(created)).not.toContain("sk_test_secret_123")
    expect(created).toMatchObject({ source: "stripe", state: "active", external_id: "acme", status: null })
    const id = created.id as string
    expect((await stack.json<{ data: Array<{ id: string }> }>(1, "GET", "/v1/syncs")).data.map((s) => s.id)).toContain(id)
    expect(await stack.json(1, "POST", `/v1/syncs/${id}/pause`)).toMatchObject({ state: "paused" })
    expect(await stack.json(0, "POST", `/v1/syncs/${id}/resume`)).toMatchObject({ state: "active" })
    expect(JSON.stringify(await stack.json(0, "GET", `/v1/syncs/${id}`))).not.toContain("api_key")
    expect((await stack.call(1, "DELETE", `/v1/syncs/${id}`)).status).toBe(204)
    expect((await stack.call(0, "GET", `/v1/syncs/${id}`)).status).toBe(404)
    const bad = await stack.call(0, "POST", "/v1/syncs", { source: "stripe" })
    expect(await bad.json()).toMatchObject({ field: "api_key" })
  })

  it("answers a sync with the status and progress its actor reports", async () => {
    const created = await stack.json<{ id: string }>(0, "POST", "/v1/syncs", { source: "stripe", api_key: "sk_test_status" })
    const status = new SyncStatus.SyncStatus({
      sync_id: created.id as SyncStatus.SyncStatus["sync_id"],
      phase: "backfilling",
      progress: { ["stripe:customer" as keyof SyncStatus.SyncStatus["progress"]]: { records: 120, pages: 2, done: false } },
      eta_seconds: 30,
      updated_at: new Date().toISOString()
    })
    const checkpoints = await stack.nats.kvm.open(stack.ns.buckets.checkpoints)
    await checkpoints.put(SyncStatus.key(status.sync_id), JSON.stringify(Schema.encodeSync(SyncStatus.SyncStatus)(status)))
    const expected = { phase: "backfilling", progress: { "stripe:customer": { records: 120, pages: 2, done: false } }, eta_seconds: 30 }
    expect(await stack.json(1, "GET", `/v1/syncs/${created.id}`)).toMatchObject({ id: created.id, status: expected })
    const listed = await stack.json<{ data: Array<{ id: string }> }>(0, "GET", "/v1/syncs")
    expect(listed.data.find((s) => s.id === created.id)).toMatchObject({ status: expected })
    await stack.call(0, "DELETE", `/v1/syncs/${created.id}`)
  })

  it("changes a sync with PATCH, validating what it takes; a second sync under one id is a 409", async () => {
    const created = await stack.json<{ id: string }>(0, "POST", "/v1/syncs", { source: "stripe", api_key: "sk_test_one" })
    const stored = async () => JSON.parse((await (await stack.nats.kvm.open(stack.ns.buckets.syncs)).get(created.id))!.string()) as Record<string, unknown>
    const keyBefore = (await stored())["api_key"]
    const changed = await stack.json<Record<string, unknown>>(1, "PATCH", `/v1/syncs/${created.id}`, {
      name: "Acme", api_key: "sk_test_two", collections: ["stripe:customer"], api_base_url: "http://127.0.0.1:12111"
    })
    expect(changed).toMatchObject({ id: created.id, name: "Acme", collections: ["stripe:customer"], api_base_url: "http://127.0.0.1:12111" })
    expect(JSON.stringify(changed)).not.toContain("sk_test")
    expect((await stored())["api_key"]).not.toBe(keyBefore)
    const unset = await stack.json<Record<string, unknown>>(0, "PATCH", `/v1/syncs/${created.id}`, { api_base_url: null })
    expect(unset).not.toHaveProperty("api_base_url")

    const badUrl = await stack.call(0, "PATCH", `/v1/syncs/${created.id}`, { api_base_url: "localhost:12111" })
    expect(badUrl.status).toBe(400)
    expect(await badUrl.json()).toMatchObject({ field: "api_base_url" })
    const unknownCollection = await stack.call(1, "PATCH", `/v1/syncs/${created.id}`, { collections: ["stripe:customer", "stripe:nonsense"] })
    expect(unknownCollection.status).toBe(400)
    const body = await unknownCollection.json() as { field: string; message: string }
    expect(body.field).toBe("collections[1]")
    expect(body.message).toContain("stripe offers no collection stripe:nonsense")
    const badCreate = await stack.call(0, "POST", "/v1/syncs", { source: "stripe", api_key: "sk_test_x", api_base_url: "ftp://x" })
    expect(await badCreate.json()).toMatchObject({ field: "api_base_url" })
    const twice = await stack.call(0, "POST", "/v1/syncs", { id: created.id, source: "stripe", api_key: "sk_test_x" })
    expect(twice.status).toBe(409)
    expect(await twice.json()).toMatchObject({ field: "id" })
    expect((await stack.call(0, "PATCH", "/v1/syncs/sync_nobody", { name: "x" })).status).toBe(404)
    await stack.call(0, "DELETE", `/v1/syncs/${created.id}`)
  })

  it("issues, lists, rotates and revokes a sync's proxy credentials; a password is shown only when issued", async () => {
    const sync = await stack.json<{ id: string }>(0, "POST", "/v1/syncs", { source: "stripe", api_key: "sk_test_proxy" })
    const issued = await stack.call(1, "POST", `/v1/syncs/${sync.id}/proxy-credentials`, { name: "reporting" })
    expect(issued.status).toBe(201)
    const first = await issued.json() as { user: string; password: string }
    expect(first.user).toBe(`reporting.${sync.id}`)
    expect(first.password.length).toBeGreaterThanOrEqual(24)
    const listed = await stack.json<{ data: Array<Record<string, unknown>> }>(0, "GET", `/v1/syncs/${sync.id}/proxy-credentials`)
    expect(listed.data.map((c) => c["user"])).toEqual([first.user])
    expect(JSON.stringify(listed)).not.toContain(first.password)
    expect(JSON.stringify(listed)).not.toContain("verifier")
    const rotated = await stack.json<{ user: string; password: string }>(0, "POST", `/v1/syncs/${sync.id}/proxy-credentials/reporting/rotate`)
    expect(rotated.user).toBe(first.user)
    expect(rotated.password).not.toBe(first.password)
    expect((await stack.call(1, "POST", `/v1/syncs/${sync.id}/proxy-credentials/nobody/rotate`)).status).toBe(404)
    const badName = await stack.call(1, "POST", `/v1/syncs/${sync.id}/proxy-credentials`, { name: "Has Space" })
    expect(await badName.json()).toMatchObject({ field: "name" })
    expect((await stack.call(0, "DELETE", `/v1/syncs/${sync.id}/proxy-credentials/reporting`)).status).toBe(204)
    expect((await stack.json<{ data: Array<unknown> }>(1, "GET", `/v1/syncs/${sync.id}/proxy-credentials`)).data).toEqual([])
    expect((await stack.call(0, "POST", "/v1/syncs/sync_nobody/proxy-credentials", {})).status).toBe(404)
    await stack.call(0, "DELETE", `/v1/syncs/${sync.id}`)
  })

  it("serves an OpenAPI document generated from the request schemas, and Prometheus metrics", async () => {
    expect((await stack.call(0, "GET", "/openapi.json", undefined, null)).status).toBe(401)
    const spec = await (await stack.call(0, "GET", "/openapi.json")).json() as {
      paths: Record<string, unknown>
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
    }
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining([
      "/v1/consumers", "/v1/consumers/{name}", "/v1/consumers/{name}/next", "/v1/consumers/{name}/ack",
      "/v1/consumers/{name}/dead-letters/redrive", "/v1/syncs/{id}/pause", "/v1/syncs/{id}/proxy-credentials",
      "/v1/syncs/{id}/proxy-credentials/{name}/rotate"
    ]))
    expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(["CreateConsumer", "AckRequest", "UpdateSync"]))
    expect(Object.keys(spec.components.securitySchemes)).toContain("bearer")
    expect((await stack.call(0, "GET", "/metrics", undefined, null)).status).toBe(401)
    // An API token is not the metrics token.
    expect((await stack.call(1, "GET", "/metrics")).status).toBe(401)
    const metrics = await (await stack.call(0, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
    expect(metrics).toContain("tributary_gateway_http_requests_total")
    expect(metrics).toContain("tributary_gateway_messages_acked_total")
    // Paths the gateway does not serve share one series: no request can add another.
    await stack.call(0, "GET", "/no/such/path/a1")
    await stack.call(0, "GET", "/no/such/path/b2")
    const after = await (await stack.call(0, "GET", "/metrics", undefined, Harness.METRICS_TOKEN)).text()
    expect(after).not.toContain("/no/such/path")
    expect(after).toContain('route="unmatched"')
  })
})

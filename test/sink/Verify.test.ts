/**
 * `verify` against records this test publishes: a fake expected state first, then the
 * emulator-dump reader over HTTP, then the `tributary verify` command and its exit code.
 */
import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Collection, Log, Nats, Secrets, SyncStore } from "@tributary/core"
import { Verification } from "@tributary/tables"
import { Fixtures } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Stream } from "effect"
import * as Harness from "./Harness.js"

const customers = Collection.CollectionId.make("stripe:customer")
const invoices = Collection.CollectionId.make("stripe:invoice")

const published = Array.from({ length: 40 }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx: 3 }))
  .concat(Array.from({ length: 10 }, (_, i) =>
    Harness.record({ collection: "stripe:invoice", upstreamId: `in_${i}`, updatedIdx: 1,
      data: { id: `in_${i}`, lines: { object: "list", data: [{ id: `il_${i}`, amount: i }], has_more: false } } })))

const fake: Verification.ExpectedState.ExpectedState = {
  description: "what the test published",
  read: Effect.succeed({
    collections: [customers, invoices],
    rows: Stream.fromIterable(published.map((r) => ({ collection: r.collection_id, upstreamId: r.upstream_id, data: r.data })))
  })
}

/** The emulator's dump route, as the emulator serves it: `{collection: objects}` behind the API key. */
const dumpServer = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ url: string; close: () => void }>((resolve) => {
      const server = createServer((request, response) => {
        const path = new URL(request.url ?? "/", "http://dump").pathname
        if (path !== Verification.DumpState.DUMP_PATH || request.headers.authorization !== "Bearer sk_test_dump") {
          response.writeHead(401).end("{}")
          return
        }
        const byCollection: Record<string, Array<unknown>> = { account: [{ id: "acct_1" }] }
        for (const r of published) (byCollection[Collection.objectOf(r.collection_id)] ??= []).push(r.data)
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(byCollection))
      })
      server.listen(0, "127.0.0.1", () =>
        resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }))
    })),
  (server) => Effect.sync(server.close)
)

const tamper = (env: Harness.Env) =>
  Harness.rows(env, `
    with a as (delete from stripe.customers where upstream_id = 'cus_1'),
    b as (update stripe.customers set data = jsonb_set(data, '{email}', '"changed@example.com"') where upstream_id = 'cus_2'),
    c as (update stripe.invoices set deleted = true where upstream_id = 'in_3')
    insert into stripe.customers (id, upstream_id, updated_idx, sync_id, data)
    values (gen_random_uuid(), 'cus_extra', 1, $1, '{}')`, [Harness.SYNC])

const run = (env: Harness.Env, expected: Verification.ExpectedState.ExpectedState) =>
  Verification.Verify.run(env.pool, {}, Harness.SYNC, expected)

const SECRET_KEY = "0123456789abcdef0123456789abcdef"

const createSync = (env: Harness.Env, dumpUrl: string, collections: "all" | ReadonlyArray<Collection.CollectionId>) =>
  SyncStore.create({ id: Harness.SYNC, source: "stripe", api_key: "sk_test_dump", api_base_url: dumpUrl, collections }).pipe(
    Effect.provide(Layer.mergeAll(Nats.layer(Fixtures.natsSettings(env.ns, env.natsUrl)), Secrets.layer(Redacted.make(SECRET_KEY)),
      Log.layer("test", "warn"))),
    Effect.orDie
  )

const verifyCli = (env: Harness.Env, sync: string = Harness.SYNC) =>
  Effect.promise(() =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", "verify", "--sync", sync], {
        env: {
          ...process.env,
          TRIBUTARY_NATS_URL: env.natsUrl,
          TRIBUTARY_NAMESPACE: env.ns.root,
          TRIBUTARY_POSTGRES_URL: env.postgresUrl,
          TRIBUTARY_SECRET_KEY: SECRET_KEY
        }
      })
      let output = ""
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.once("exit", (code) => resolve({ code, output }))
    }))

describe("verify", () => {
  it.scopedLive("finds 0 differences after the sink, then every missing, extra and stale row", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      yield* Harness.replica(env)
      yield* Harness.publish(env, published)
      yield* Harness.until("every row", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 40))
      yield* Harness.until("every invoice", Effect.map(Harness.countOf(env, "stripe.invoices"), (n) => n === 10))
      const exact = yield* run(env, fake)
      expect(exact.differences).toBe(0)
      expect(exact.collections.map((c) => [c.collection, c.expected, c.actual])).toEqual([
        ["stripe:customer", 40, 40], ["stripe:invoice", 10, 10]
      ])
      yield* tamper(env)
      const report = yield* run(env, fake)
      expect(report.differences).toBe(4)
      const [c, i] = report.collections
      expect({ missing: c!.missing, extra: c!.extra, stale: c!.stale }).toEqual({
        missing: ["cus_1"], extra: ["cus_extra"], stale: ["cus_2"]
      })
      // Soft-deleted here but live upstream: missing.
      expect(i!.missing).toEqual(["in_3"])
    }))

  it.scopedLive("reads the expected state from the emulator's dump over HTTP", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const server = yield* dumpServer
      yield* Harness.replica(env)
      yield* Harness.publish(env, published)
      yield* Harness.until("every row", Effect.map(Harness.countOf(env, "stripe.invoices"), (n) => n === 10))
      yield* Harness.until("every row", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 40))
      const dump = Verification.DumpState.make({ baseUrl: server.url, apiKey: Redacted.make("sk_test_dump") })
      expect((yield* run(env, dump)).differences).toBe(0)
      const refused = Verification.DumpState.make({ baseUrl: server.url, apiKey: Redacted.make("sk_test_wrong") })
      const error = yield* Effect.flip(run(env, refused))
      expect(error.message).toContain("HTTP 401")
    }))

  it.scopedLive("`tributary verify --sync` exits 0 on an exact copy, 1 on any difference, 2 when it cannot compare", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const server = yield* dumpServer
      yield* createSync(env, server.url, "all")
      yield* Harness.replica(env)
      yield* Harness.publish(env, published)
      yield* Harness.until("every row", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 40))
      yield* Harness.until("every row", Effect.map(Harness.countOf(env, "stripe.invoices"), (n) => n === 10))
      const cli = () => verifyCli(env)
      const exact = yield* cli()
      expect(exact.output).toContain("0 differences")
      expect(exact.code).toBe(0)
      yield* tamper(env)
      const differs = yield* cli()
      expect(differs.output).toContain("missing cus_1")
      expect(differs.output).toContain("extra   cus_extra")
      expect(differs.output).toContain("stale   cus_2")
      expect(differs.output).toContain("4 differences")
      expect(differs.code).toBe(1)
      // Not a difference, as diff(1) tells trouble from a difference: a job can tell an outage from drift.
      const unknown = yield* verifyCli(env, "no_such_sync")
      expect(unknown.output).toMatch(/^error: .*no_such_sync/m)
      expect(unknown.code).toBe(2)
    }), 120_000)

  it.scopedLive("`tributary verify` compares a sync of some collections on those collections only", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      const server = yield* dumpServer
      yield* createSync(env, server.url, [customers])
      yield* Harness.replica(env)
      // The sync mirrors customers only: the dump's invoices are not its to hold.
      yield* Harness.publish(env, published.filter((r) => r.collection_id === customers))
      yield* Harness.until("every row", Effect.map(Harness.countOf(env, "stripe.customers"), (n) => n === 40))
      const report = yield* verifyCli(env)
      expect(report.output).toContain("stripe:customer")
      expect(report.output).not.toContain("stripe:invoice")
      expect(report.output).toContain("0 differences")
      expect(report.code).toBe(0)
    }), 120_000)
})

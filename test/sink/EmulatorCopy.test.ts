/**
 * Exact copy against the real emulator's dump: every object of a seeded account is
 * published as a record (standing in for the sync, which has its own tests), the sink
 * writes them, and `verify` reads `GET /_emulator/dump` and finds 0 differences; after
 * the account changes, it finds the rows that are now stale, missing or extra.
 */
import { Collection } from "@tributary/core"
import { Emulator } from "@tributary/stripe-emulator"
import { Verification } from "@tributary/tables"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Harness from "./Harness.js"

const recordsOf = (dump: Readonly<Record<string, ReadonlyArray<unknown>>>, version: number) =>
  Object.entries(dump).filter(([name]) => name !== "account").flatMap(([name, objects]) =>
    objects.map((object) => {
      const data = object as { id: string; created?: number }
      return Harness.record({
        collection: Verification.DumpState.collectionOf(name),
        upstreamId: data.id,
        updatedIdx: version,
        data
      })
    }))

describe("sink + verify against the emulator's dump", () => {
  it.scopedLive("an exact copy has 0 differences; a changed account shows every difference", () =>
    Effect.gen(function*() {
      const emulator = yield* Effect.acquireRelease(
        Effect.promise(() => Emulator.start({ customers: 15, rateLimitPerSecond: 0 })),
        (running) => Effect.promise(() => running.stop())
      )
      const apiKey = emulator.apiKeys[0]!
      const admin = emulator.admin(apiKey)
      const env = yield* Harness.env()
      yield* Harness.replica(env)
      const first = yield* Effect.promise(() => admin.dump())
      yield* Harness.publish(env, recordsOf(first, 1))
      const expected = Verification.DumpState.make({ baseUrl: emulator.url, apiKey: Redacted.make(apiKey) })
      const written = Effect.map(Harness.rows<{ n: number }>(env,
        `select (select count(*) from stripe.customers)::int + (select count(*) from stripe.invoices)::int as n`), (r) => r[0]!.n)
      yield* Harness.until("the account in Postgres",
        Effect.map(written, (n) => n === first.customer!.length + first.invoice!.length))
      yield* Harness.until("an exact copy", Effect.map(
        Verification.Verify.run(env.pool, {}, Harness.SYNC, expected), (report) => report.differences === 0), 60_000)
      const report = yield* Verification.Verify.run(env.pool, {}, Harness.SYNC, expected)
      expect(report.collections.find((c) => c.collection === Collection.CollectionId.make("stripe:customer"))?.expected)
        .toBe(first.customer!.length)
      expect(report.collections.length).toBeGreaterThan(15)

      // The account moves on; Postgres has not seen it.
      yield* Effect.promise(() => admin.mutate({ ratePerSecond: 1_000, count: 20, wait: true }))
      const changed = yield* Verification.Verify.run(env.pool, {}, Harness.SYNC, expected)
      expect(changed.differences).toBeGreaterThan(0)
    }), 120_000)
})

/**
 * The whole path, no stand-ins: a seeded emulator account, the sync service backfilling and
 * following it, the sink writing Postgres, and `tributary verify` comparing Postgres with the
 * emulator's dump and with the API listed afresh. Both find 0 differences, before and after
 * the account changes under the running sync.
 */
import { spawn } from "node:child_process"
import { Effect } from "effect"
import { describe, expect, it } from "@effect/vitest"
import * as SyncHarness from "../sync/support/Harness.js"
import * as Harness from "./Harness.js"

interface Verified {
  readonly code: number | null
  readonly output: string
}

const verify = (env: Harness.Env, sync: string, expected: "emulator" | "api") =>
  Effect.promise(() =>
    new Promise<Verified>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", "verify", "--sync", sync, "--expected", expected], {
        env: {
          ...process.env,
          TRIBUTARY_NATS_URL: env.natsUrl,
          TRIBUTARY_NAMESPACE: env.ns.root,
          TRIBUTARY_POSTGRES_URL: env.postgresUrl,
          TRIBUTARY_SECRET_KEY: SyncHarness.SECRET_KEY
        }
      })
      let output = ""
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.once("exit", (code) => resolve({ code, output }))
    }))

/** Verify until it finds an exact copy (the sink may still be writing), or fail with the last report. */
const exactCopy = (env: Harness.Env, sync: string, expected: "emulator" | "api") =>
  Effect.gen(function*() {
    const deadline = Date.now() + 60_000
    for (;;) {
      const result = yield* verify(env, sync, expected)
      if (result.code === 0) return result
      if (Date.now() > deadline) return result
      yield* Effect.sleep(500)
    }
  })

describe("sync + sink + verify, end to end", () => {
  it.scopedLive("Postgres is an exact copy of the account, after the backfill and after live changes", () =>
    Effect.gen(function*() {
      const sync = yield* Effect.acquireRelease(
        Effect.promise(() => SyncHarness.make({ customers: 12 })),
        (h) => Effect.promise(() => h.close())
      )
      const env = yield* Harness.env({ ns: sync.ns, natsUrl: sync.natsUrl })
      yield* Harness.replica(env)
      const config = yield* Effect.promise(() => sync.createSync())
      yield* Effect.promise(() => sync.replica("e2e"))
      yield* Effect.promise(() => sync.waitForPhase(config.id, ["live"], 120_000))

      const fromDump = yield* exactCopy(env, config.id, "emulator")
      expect(fromDump.output).toContain("0 differences")
      expect(fromDump.code).toBe(0)
      const customers = Number(/stripe:customer\s+\S+\s+expected (\d+), postgres (\d+)/.exec(fromDump.output)?.[2])
      expect(customers).toBeGreaterThanOrEqual(12)

      // The account changes under the running sync: creates, updates and deletes of every kind.
      yield* Effect.promise(() => sync.admin.mutate({ ratePerSecond: 200, count: 60, wait: true }))
      const afterChanges = yield* exactCopy(env, config.id, "emulator")
      expect(afterChanges.output).toContain("0 differences")
      expect(afterChanges.code).toBe(0)

      const fromApi = yield* exactCopy(env, config.id, "api")
      expect(fromApi.output).toContain("0 differences")
      expect(fromApi.code).toBe(0)
    }), 300_000)
})

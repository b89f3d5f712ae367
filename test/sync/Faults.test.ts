/**
 * Upstream trouble slows a sync down without losing anything: a 429 storm and 5xx
 * responses during the backfill and the live phase; a refused API key marks the sync
 * failed with a clear reason, keeps its state, and a new key brings it back.
 */
import { Secrets, SyncConfig, SyncStore } from "@tributary/core"
import { Effect, Redacted } from "effect"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 50 })
})
afterAll(() => h.close())

describe("upstream faults", () => {
  it("rides out a 429 storm and 5xx responses without losing a record", async () => {
    await h.admin.faults({ rateLimitStormMs: 4000, rateLimitStormShare: 0.6, errorRate5xx: 0.15, errorStatus: 503 })
    const sync = await h.createSync()
    await h.replica("r1", { pollIntervalMs: 200, sweepIntervalMs: 1000 })
    const phases = new Set<string>()
    const watching = setInterval(() => void h.status(sync.id).then((s) => s !== undefined && phases.add(s.phase)), 100)
    try {
      await h.waitForPhase(sync.id, ["live"], 120_000)
      await h.admin.faults({ rateLimitStormMs: 2000, rateLimitStormShare: 0.5 })
      await h.admin.mutate({ ratePerSecond: 30, durationMs: 3000, wait: true })
      await Eventually.exactCopy(h, sync.id, 90_000)
    } finally {
      clearInterval(watching)
      await h.admin.resetFaults()
    }
    expect(phases.has("failed")).toBe(false)
  }, 240_000)

  it("marks a sync whose key is refused failed, keeps its state, and resumes with a good key", async () => {
    const sync = await h.createSync({ api_key: "sk_test_not_a_key" })
    await h.replica("r2")
    const failed = await h.waitForPhase(sync.id, ["failed"])
    expect(failed.reason).toMatch(/refused the API key/)
    expect(failed.reason).toMatch(/valid API key/)

    await h.run(Effect.gen(function*() {
      const keys = yield* Secrets.SecretKeys
      yield* SyncStore.update(sync.id, (config) => new SyncConfig.SyncConfig({ ...config, api_key: Secrets.encrypt(keys, h.apiKey) }))
    }))
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await Eventually.exactCopy(h, sync.id)
  }, 120_000)

  it("says what to do when its API key cannot be decrypted (TRIBUTARY_SECRET_KEY changed), and resumes once given the key again", async () => {
    // Stored by a deployment whose TRIBUTARY_SECRET_KEY is not this one.
    const sync = await h.run(
      SyncStore.create({ source: "stripe", api_key: h.apiKey, api_base_url: h.emulator.url }).pipe(
        Effect.provide(Secrets.layer(Redacted.make("the-secret-key-of-an-earlier-deployment")))
      )
    )
    await h.replica("r4")
    const failed = await h.waitForPhase(sync.id, ["failed"])
    expect(failed.reason).toContain(sync.id)
    expect(failed.reason).toMatch(/cannot be decrypted with this replica's TRIBUTARY_SECRET_KEY/)
    // Both ways out, and that nothing is lost meanwhile.
    expect(failed.reason).toMatch(/TRIBUTARY_SECRET_KEY the sync was created with/)
    expect(failed.reason).toContain(`PATCH /v1/syncs/${sync.id}`)
    expect(failed.reason).toMatch(/state is kept/)

    await h.run(SyncStore.change(sync.id, { api_key: h.apiKey }))
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await Eventually.exactCopy(h, sync.id)
  }, 120_000)

  it("says in its status why it does not move when the API refuses it (a Stripe-Account the key does not own)", async () => {
    const sync = await h.createSync({ account: "acct_not_ours" })
    await h.replica("r3")
    const stuck = await Fixtures.waitFor("the refusal in the status", async () => {
      const status = await h.status(sync.id)
      return status?.reason?.includes("does not have access to account 'acct_not_ours'") === true ? status : undefined
    }, { timeoutMs: 30_000, intervalMs: 100 })
    expect(["pending", "backfilling"]).toContain(stuck.phase)
    expect(stuck.reason).toMatch(/resuming in|retrying/)
    await h.run(SyncStore.remove(sync.id))
  }, 60_000)

  it("says in its status that the upstream does not answer while it retries, and no more once it does", async () => {
    // Every request answered 503, as during an outage (or an api_base_url nothing listens on).
    await h.admin.faults({ errorRate5xx: 1, errorStatus: 503 })
    try {
      const sync = await h.createSync()
      await h.replica("r5")
      const stuck = await Fixtures.waitFor("the outage in the status", async () => {
        const status = await h.status(sync.id)
        return status?.reason?.includes("unavailable (HTTP 503)") === true ? status : undefined
      }, { timeoutMs: 30_000, intervalMs: 100 })
      expect(stuck.phase).toBe("pending")
      expect(stuck.reason).toMatch(/retrying/)
      await h.admin.resetFaults()
      const live = await h.waitForPhase(sync.id, ["live"], 60_000)
      expect(live.reason).toBeUndefined()
      await h.run(SyncStore.remove(sync.id))
    } finally {
      await h.admin.resetFaults()
    }
  }, 120_000)
})

/**
 * An API key revoked while a sync runs: the sync says why in its status (naming itself, never
 * the key), tries the key again with back-off instead of hammering the API, loses nothing it
 * had published, and once the key works again (restored, or a new key given to the sync)
 * resumes from its checkpoint to an exact copy.
 */
import { Kvm } from "@nats-io/kv"
import { SyncStore } from "@tributary/core"
import type { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
const replicaSettings = { pollIntervalMs: 200, sweepIntervalMs: 1000 }
/** The replica that runs the syncs (one at a time; a test may hand over to another). */
let replica: { readonly id: string; readonly stop: () => Promise<void> }
beforeAll(async () => {
  h = await Harness.make({ customers: 60 })
  replica = { id: "r1", stop: await h.replica("r1", replicaSettings) }
})
afterAll(() => h.close())

const pagesOf = (status: { progress: Record<string, { pages: number }> } | undefined) =>
  Object.values(status?.progress ?? {}).reduce((n, p) => n + p.pages, 0)

const checkpointOf = async (sync: Ids.SyncId) => {
  const kv = await new Kvm(h.nc).open(h.ns.buckets.checkpoints)
  return (await kv.get(`${sync}.checkpoint`))?.json<{ generation: number; started_at: number }>()
}

/** Every record published before is still there, not deleted, at the same or a later version. */
const expectKept = async (sync: Ids.SyncId, before: Awaited<ReturnType<Harness.Harness["records"]>>) => {
  const after = await h.records(sync)
  let kept = 0
  for (const [collection, records] of before.byCollection) {
    for (const [id, record] of records) {
      const now = after.byCollection.get(collection)?.get(id)
      expect(now, `${collection}/${id}`).toBeDefined()
      expect(now?.updated_idx).toBeGreaterThanOrEqual(record.updated_idx)
      if (!record.deleted) expect(now?.deleted, `${collection}/${id}`).toBe(false)
      kept++
    }
  }
  return kept
}

const expectRefusalReason = (sync: Ids.SyncId, reason: string | undefined) => {
  expect(reason).toMatch(/refused the API key/)
  expect(reason).toContain(sync)
  expect(reason).toMatch(/valid API key/)
  expect(reason).toMatch(/again in \d+ s/)
  expect(reason).not.toContain(h.apiKey)
}

/**
 * While the key stays refused the sync tries it again with back-off: the emulator sees a few
 * refused requests, seconds apart, not a stream of them at the budget's rate (80 req/s).
 */
const expectBackoff = async (sync: Ids.SyncId) => {
  const refusedAtLeast = (count: number, what: string) =>
    Fixtures.waitFor(what, async () => {
      const state = await h.admin.key()
      return state.refusedRequests >= count ? state.refusedRequests : undefined
    }, { timeoutMs: 30_000, intervalMs: 20 })
  // Requests already on their way when the key was revoked (a backfill has a few dozen in
  // flight: list pages, nested lists, each customer's payment methods) are refused too, up
  // to about the first retry. From the next refusal on, only the retries remain.
  const first = await refusedAtLeast((await h.admin.key()).refusedRequests + 1, "a refusal after the sync failed")
  const since = Date.now()
  await refusedAtLeast(first + 4, "four more refusals")
  // Even with two stragglers among them, two retries after waits of at least 0.5 and 1 s (a
  // 1 s base doubling, at least half of it each time): over 1.4 s, where the budget's rate
  // (80 req/s) would take 50 ms.
  expect(Date.now() - since).toBeGreaterThan(1_400)
  const failed = await h.status(sync)
  expect(failed?.phase).toBe("failed")
  expectRefusalReason(sync, failed?.reason)
}

describe("a key revoked during a sync", () => {
  it("mid-backfill: fails with the reason, backs off, and resumes from its checkpoint once the key is restored", async () => {
    // A small budget makes the backfill last long enough to revoke the key in the middle.
    const sync = await h.createSync({ rate_budget: { quota_per_second: 25, share: 1 } })
    await Fixtures.waitFor("a few checkpointed pages", async () => {
      const status = await h.status(sync.id)
      return status?.phase === "backfilling" && pagesOf(status) >= 6 ? status : undefined
    }, { timeoutMs: 60_000, intervalMs: 50 })
    await h.admin.revokeKey()
    let checkpoint: Awaited<ReturnType<typeof checkpointOf>>
    let before: Awaited<ReturnType<Harness.Harness["records"]>>
    try {
      const failed = await h.waitForPhase(sync.id, ["failed"], 30_000)
      expectRefusalReason(sync.id, failed.reason)
      checkpoint = await checkpointOf(sync.id)
      expect(checkpoint).toBeDefined()
      before = await h.records(sync.id)
      expect(before.messages).toBeGreaterThan(0)

      await expectBackoff(sync.id)
      expect(await expectKept(sync.id, before)).toBe(before.messages)
    } finally {
      await h.admin.restoreKey()
    }
    await h.waitForPhase(sync.id, ["live"], 120_000)
    await Eventually.exactCopy(h, sync.id)
    await expectKept(sync.id, before)
    // The same backfill went on from its checkpoint: no second generation, no fresh start.
    const after = await checkpointOf(sync.id)
    expect(after?.generation).toBe(checkpoint?.generation)
    expect(after?.started_at).toBe(checkpoint?.started_at)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.filter((m) => m === "backfill_started")).toHaveLength(1)
    expect(log.filter((m) => m === "backfill_complete")).toHaveLength(1)
    expect(log.filter((m) => m === "failed")).toHaveLength(1)
    await h.run(SyncStore.remove(sync.id))
  }, 240_000)

  it("while polling: fails, and follows changes again from its cursor once given a rolled key", async () => {
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await Eventually.exactCopy(h, sync.id)
    const mutations = await h.admin.mutate({ ratePerSecond: 20, durationMs: 4000 })
    const rolled = await h.admin.rollKey()
    const failed = await h.waitForPhase(sync.id, ["failed"], 30_000)
    expectRefusalReason(sync.id, failed.reason)
    const before = await h.records(sync.id)
    await expectBackoff(sync.id)
    expect(await expectKept(sync.id, before)).toBe(before.messages)
    await Fixtures.waitFor("the mutations to finish", async () => {
      const run = await h.admin.mutation(mutations.id)
      return run.status === "running" ? undefined : run
    }, { timeoutMs: 30_000 })

    await h.run(SyncStore.change(sync.id, { api_key: rolled.apiKey }))
    await h.waitForPhase(sync.id, ["live"], 60_000)
    // Exact again, with the changes made while the key was refused (deletes among them).
    await Eventually.exactCopy(h, sync.id)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    // The new key picked up the change feed where it stopped: no second backfill.
    expect(log.filter((m) => m === "backfill_started")).toHaveLength(1)
    expect(log.slice(log.indexOf("failed"))).toContain("config_changed")
    await h.run(SyncStore.remove(sync.id))
  }, 240_000)

  it("logs the refusal once however often the key is tried, by this actor and the next replica's, and logs its end", async () => {
    // Working again whatever a test before did to it (rolling it revokes it).
    await h.admin.restoreKey()
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await h.admin.revokeKey()
    try {
      await h.waitForPhase(sync.id, ["failed"], 30_000)
      await expectBackoff(sync.id)
      // Another replica's actor meets the same refusal: the same episode, not a new milestone.
      const next = { id: `${replica.id}-next`, stop: await h.replica(`${replica.id}-next`, replicaSettings) }
      await replica.stop()
      replica = next
      await Fixtures.waitFor("the next replica to run the failed sync", async () => {
        const status = await h.status(sync.id)
        return status?.owner === next.id && status.phase === "failed" ? status : undefined
      }, { timeoutMs: 30_000, intervalMs: 50 })
      const refused = (await h.admin.key()).refusedRequests
      await Fixtures.waitFor("two more tries of the key", async () =>
        (await h.admin.key()).refusedRequests >= refused + 2 ? true : undefined, { timeoutMs: 30_000, intervalMs: 50 })
      const failed = (await Records.milestoneEntries(h.nc, h.ns, sync.id)).filter((m) => m._tag === "failed")
      expect(failed).toHaveLength(1)
      // The log keeps the reason without the status's countdown to the next try.
      expect(failed[0]?.reason).toMatch(/refused the API key/)
      expect(failed[0]?.reason).not.toMatch(/again in \d+ s/)
    } finally {
      await h.admin.restoreKey()
    }
    await h.waitForPhase(sync.id, ["live"], 60_000)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.filter((m) => m === "failed")).toHaveLength(1)
    expect(log.slice(log.indexOf("failed") + 1)).toContain("key_accepted")

    // A refusal after the end is a milestone again.
    await h.admin.revokeKey()
    try {
      await h.waitForPhase(sync.id, ["failed"], 30_000)
      await Fixtures.waitFor("the second refusal in the log", async () => {
        const milestones = await Records.milestones(h.nc, h.ns, sync.id)
        return milestones.filter((m) => m === "failed").length === 2 ? milestones : undefined
      }, { timeoutMs: 10_000, intervalMs: 100 })
    } finally {
      await h.admin.restoreKey()
    }
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await h.run(SyncStore.remove(sync.id))
  }, 240_000)
})

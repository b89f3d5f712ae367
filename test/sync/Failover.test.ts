/**
 * Replicas as real processes: a sync runs on exactly one of them, and when that one is
 * killed with SIGKILL mid-backfill, another takes the sync over within the lease timeout
 * and resumes from the checkpoint; the end state is still exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Kvm } from "@nats-io/kv"
import { Fixtures } from "@tributary/testkit"
import * as Compare from "./support/Compare.js"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"
import * as Replicas from "./support/Replicas.js"

let h: Harness.Harness
const replicas: Array<Replicas.Replica> = []
beforeAll(async () => {
  h = await Harness.make({ customers: 80 })
})
afterAll(async () => {
  for (const replica of replicas) await replica.kill("SIGKILL")
  await h.close()
})

const checkpointedPages = async (sync: string) => {
  const kv = await new Kvm(h.nc).open(h.ns.buckets.checkpoints)
  const entry = await kv.get(`${sync}.checkpoint`)
  const checkpoint = entry?.json<{ items: Record<string, { pages: number }> }>()
  return Object.values(checkpoint?.items ?? {}).reduce((n, item) => n + item.pages, 0)
}

const pagesOf = (status: { progress: Record<string, { pages: number }> } | undefined) =>
  Object.values(status?.progress ?? {}).reduce((n, p) => n + p.pages, 0)

describe("failover", () => {
  it("moves a sync killed mid-backfill to another replica, which resumes from its checkpoint", async () => {
    const options = { natsUrl: h.natsUrl, namespace: h.ns.root, secretKey: Harness.SECRET_KEY, env: { TRIBUTARY_LOG_LEVEL: "warn" } }
    replicas.push(await Replicas.start("replica-a", options), await Replicas.start("replica-b", options))
    // A small budget makes the backfill last long enough to kill it in the middle.
    const sync = await h.createSync({ rate_budget: { quota_per_second: 25, share: 1 } })

    const before = await Fixtures.waitFor("a few checkpointed pages", async () => {
      const status = await h.status(sync.id)
      return status?.phase === "backfilling" && pagesOf(status) >= 8 ? status : undefined
    }, { timeoutMs: 60_000, intervalMs: 50 })
    const owner = replicas.find((r) => r.id === before.owner)
    expect(owner).toBeDefined()
    await owner!.kill("SIGKILL")
    const killedAt = Date.now()
    const checkpointed = await checkpointedPages(sync.id)
    expect(checkpointed).toBeGreaterThan(0)

    const after = await Fixtures.waitFor("another replica to take the sync over", async () => {
      const status = await h.status(sync.id)
      // Its first progress report comes from the checkpoint it resumed from.
      return status !== undefined && status.owner !== before.owner && pagesOf(status) > 0 ? status : undefined
    }, { timeoutMs: 30_000, intervalMs: 50 })
    // Lease TTL is 3 s in these replicas; the takeover includes loading the checkpoint.
    expect(Date.now() - killedAt).toBeLessThan(10_000)
    // It resumed from the checkpoint rather than from the first page.
    expect(pagesOf(after)).toBeGreaterThanOrEqual(checkpointed)

    await h.waitForPhase(sync.id, ["live"], 120_000)
    const copy = await Eventually.exactCopy(h, sync.id)
    // The kill lost no change either: every version on RECORDS has its change on EVENTS.
    const changes = await Records.changes(h.nc, h.ns, sync.id)
    for (const records of copy.values()) {
      for (const record of records.values()) expect(changes.get(record.id) ?? []).toContain(record.updated_idx)
    }
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.filter((m) => m === "backfill_started")).toHaveLength(1)
    expect(log.filter((m) => m === "backfill_complete")).toHaveLength(1)
    // The page being published when the replica died is read again; its records count once.
    expect(await Records.lastRowCounts(h.nc, h.ns, sync.id)).toStrictEqual(Compare.nonZeroCounts(copy))
  }, 240_000)
})

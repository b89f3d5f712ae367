/**
 * Replicas of different versions side by side (a rolling update): a replica without the
 * connector of a sync's source lets the sync go, as one that cannot decrypt its key does, so a
 * replica that has the connector runs it. While none has, the sync is failed with the reason,
 * and its sync log says so once however often the replicas try it.
 */
import type { Ids } from "@tributary/core"
import { SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 30 })
})
afterAll(() => h.close())

const replica = async (id: string, options: Harness.ReplicaOptions = {}) => {
  const logs: Array<string> = []
  // A short sweep, so the records of mutations that have no events arrive quickly.
  await h.replica(id, { pollIntervalMs: 200, sweepIntervalMs: 1000 }, logs, options)
  /** How many times this replica has taken the lease of `sync`. */
  const claimsOf = (sync: Ids.SyncId) =>
    logs.filter((line) => (JSON.parse(line) as { msg?: string }).msg === `took the lease of ${sync}; its actor starts here`).length
  return { claimsOf }
}

describe("a replica without the connector of a sync's source", () => {
  it("lets the sync go, is failed with the reason while it is the only replica, and the sync ends up running on one that has the connector", async () => {
    const sync = await h.createSync()
    const old = await replica("other-version", { withoutConnectors: true })
    const failed = await h.waitForPhase(sync.id, ["failed"], 30_000)
    expect(failed.owner).toBe("other-version")
    expect(failed.reason).toContain(sync.id)
    expect(failed.reason).toMatch(/this replica of the sync service has no connector for its source stripe/)

    // It does not hold the sync: it lets the lease go and, alone, takes it again after its back-off.
    await Fixtures.waitFor("the replica without the connector to take the sync a second time", async () =>
      old.claimsOf(sync.id) >= 2 ? true : undefined, { timeoutMs: 30_000, intervalMs: 50 })
    const meanwhile = await h.status(sync.id)
    expect(meanwhile?.phase).toBe("failed")
    expect(meanwhile?.reason).toBe(failed.reason)
    const failures = async () => (await Records.milestoneEntries(h.nc, h.ns, sync.id)).filter((m) => m._tag === "failed")
    expect(await failures()).toHaveLength(1)

    await replica("this-version")
    await Fixtures.waitFor(`sync ${sync.id} live on this-version`, async () => {
      const status = await h.status(sync.id)
      return status?.phase === "live" && status.owner === "this-version" ? status : undefined
    }, { timeoutMs: 60_000, intervalMs: 100 })
    await h.admin.mutate({ ratePerSecond: 20, durationMs: 1000, wait: true })
    await Eventually.exactCopy(h, sync.id)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.filter((m) => m === "failed")).toHaveLength(1)
    // The failure is over, in the log too.
    expect(log.slice(log.indexOf("failed"))).toContain("key_accepted")
    expect(log.filter((m) => m === "backfill_started")).toHaveLength(1)
    await h.run(SyncStore.remove(sync.id))
  }, 180_000)
})

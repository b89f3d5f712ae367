/**
 * Replicas that do not share TRIBUTARY_SECRET_KEY (a rolling update, a misconfigured pod): a
 * replica that cannot decrypt a sync's API key lets the sync go, so a replica with the right
 * key runs it, whichever of them took it first. Only while no replica can decrypt it is the sync
 * failed, with the reason, and its sync log says so once however often replicas try it.
 */
import type { Ids } from "@tributary/core"
import { SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

const WRONG_SECRET_KEY = "a-secret-key-this-deployment-never-used-0123"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 40 })
})
afterAll(() => h.close())

/** Each test's replicas stop after it, so the next test's syncs meet only its own. */
let stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
})

const replica = async (id: string, options: { readonly secretKey?: string } = {}) => {
  const logs: Array<string> = []
  // A short sweep, so the records of mutations that have no events arrive quickly.
  const stop = await h.replica(id, { pollIntervalMs: 200, sweepIntervalMs: 1000 }, logs, options)
  stops.push(stop)
  /** How many times this replica has taken the lease of `sync`. */
  const claimsOf = (sync: Ids.SyncId) =>
    logs.filter((line) => (JSON.parse(line) as { msg?: string }).msg === `took the lease of ${sync}; its actor starts here`).length
  return { stop, claimsOf }
}

const misconfiguredReplica = (id: string) => replica(id, { secretKey: WRONG_SECRET_KEY })

const expectUndecryptable = (sync: Ids.SyncId, reason: string | undefined) => {
  expect(reason).toContain(sync)
  expect(reason).toMatch(/cannot be decrypted with this replica's TRIBUTARY_SECRET_KEY \(authentication tag mismatch\)/)
}

const liveOn = (sync: Ids.SyncId, owner: string) =>
  Fixtures.waitFor(`sync ${sync} live on ${owner}`, async () => {
    const status = await h.status(sync)
    return status?.phase === "live" && status.owner === owner ? status : undefined
  }, { timeoutMs: 60_000, intervalMs: 100 })

/** Alone with the sync, a misconfigured replica lets it go and takes it again after its back-off. */
const takenAgain = (wrong: { readonly claimsOf: (sync: Ids.SyncId) => number }, sync: Ids.SyncId) =>
  Fixtures.waitFor("the misconfigured replica to take the sync a second time", async () =>
    wrong.claimsOf(sync) >= 2 ? true : undefined, { timeoutMs: 30_000, intervalMs: 50 })

const failedMilestones = async (sync: Ids.SyncId) =>
  (await Records.milestoneEntries(h.nc, h.ns, sync)).filter((m) => m._tag === "failed")

describe("replicas with different TRIBUTARY_SECRET_KEYs", () => {
  it("a sync the misconfigured replica took first ends up running on the replica with the right key", async () => {
    const sync = await h.createSync()
    const wrong = await misconfiguredReplica("wrong-first")
    const failed = await h.waitForPhase(sync.id, ["failed"], 30_000)
    expectUndecryptable(sync.id, failed.reason)
    expect(failed.owner).toBe("wrong-first")
    // Still failed, with the reason, while no replica can run it; the log says so once.
    await takenAgain(wrong, sync.id)
    const meanwhile = await h.status(sync.id)
    expect(meanwhile?.phase).toBe("failed")
    expectUndecryptable(sync.id, meanwhile?.reason)
    expect(await failedMilestones(sync.id)).toHaveLength(1)

    await replica("right-second")
    await liveOn(sync.id, "right-second")
    await h.admin.mutate({ ratePerSecond: 20, durationMs: 1000, wait: true })
    await Eventually.exactCopy(h, sync.id)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.filter((m) => m === "failed")).toHaveLength(1)
    // The failure is over, in the log too: a later one is a milestone of its own.
    expect(log.slice(log.indexOf("failed"))).toContain("key_accepted")
    expect(log.filter((m) => m === "backfill_started")).toHaveLength(1)
    await h.run(SyncStore.remove(sync.id))
  }, 180_000)

  it("a sync the right replica took first stays there, is failed only while no replica can decrypt its key, and moves on to the next right one", async () => {
    const sync = await h.createSync()
    const right = await replica("right-first")
    await liveOn(sync.id, "right-first")
    const wrong = await misconfiguredReplica("wrong-second")
    await Eventually.exactCopy(h, sync.id)
    expect(wrong.claimsOf(sync.id)).toBe(0)

    // The right replica goes: the misconfigured one is the only one left, and cannot run it.
    await right.stop()
    const failed = await h.waitForPhase(sync.id, ["failed"], 30_000)
    expectUndecryptable(sync.id, failed.reason)
    expect(failed.owner).toBe("wrong-second")
    await takenAgain(wrong, sync.id)
    expect(await failedMilestones(sync.id)).toHaveLength(1)

    await replica("right-again")
    await liveOn(sync.id, "right-again")
    await h.admin.mutate({ ratePerSecond: 20, durationMs: 1000, wait: true })
    await Eventually.exactCopy(h, sync.id)
    expect(await failedMilestones(sync.id)).toHaveLength(1)
    await h.run(SyncStore.remove(sync.id))
  }, 180_000)
})

/**
 * A live sync whose change feed falls behind (here seven minutes pass upstream between two
 * polls, as in an outage that long) says so: a `fell_behind` milestone, the phase back to
 * `catching_up` with the reason, then `live` again once caught up, with an exact copy.
 */
import { Kvm } from "@nats-io/kv"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 20 })
})
afterAll(() => h.close())

describe("a live sync that falls behind", () => {
  it("catches up again, and says so in its log and status", async () => {
    await h.replica("r1", { pollIntervalMs: 200, sweepIntervalMs: 1000 })
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"])
    await Eventually.exactCopy(h, sync.id)

    // Every status the actor writes (each phase change is written at once).
    const kv = await new Kvm(h.nc).open(h.ns.buckets.checkpoints)
    const watch = await kv.watch({ key: `${sync.id}.status` })
    const seen: Array<{ phase: string; reason?: string }> = []
    void (async () => {
      for await (const entry of watch) if (entry.operation === "PUT") seen.push(entry.json<{ phase: string; reason?: string }>())
    })()
    try {
      // Seven quiet minutes pass upstream between two polls: more than the 5-minute chunk
      // the Stripe feed reads in one go, so the next poll finds itself behind. (Changes
      // made at the new time before that poll would be listed by it, so they come after.)
      await h.admin.advanceClock(7 * 60)
      await Fixtures.waitFor("the fell_behind milestone", async () =>
        (await Records.milestones(h.nc, h.ns, sync.id)).includes("fell_behind") ? true : undefined, { timeoutMs: 30_000, intervalMs: 200 })
      const behind = await Fixtures.waitFor("catching up, then live again", async () => {
        const at = seen.findIndex((s) => s.phase === "catching_up")
        return at >= 0 && seen.slice(at).some((s) => s.phase === "live") ? seen[at] : undefined
      }, { timeoutMs: 30_000, intervalMs: 100 })
      expect(behind?.reason).toMatch(/fell behind/)
      await h.admin.mutate({ ratePerSecond: 20, count: 20, wait: true })
    } finally {
      watch.stop()
    }
    await Eventually.exactCopy(h, sync.id)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.filter((m) => m === "backfill_started")).toHaveLength(1)
  }, 120_000)
})

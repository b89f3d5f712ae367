/**
 * A refused key is tried again with one request at a time; only a request that succeeds says
 * the key works. A try that fails for another reason says nothing about the key: refused
 * otherwise (a 403) or not answered (the connection reset), the sync stays failed, logs no
 * `key_accepted`, and tries again, until a try succeeds; so does a new actor's first try (a
 * takeover), and the new actor shows the sync failed with its reason from its first status on,
 * never pending. The sync reaches the emulator through a front that can answer in its place, as
 * the emulator cannot refuse a valid key's requests.
 */
import { Kvm } from "@nats-io/kv"
import { SyncStore } from "@tributary/core"
import type { SyncStatus } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"
import * as RefusingFront from "./support/RefusingFront.js"

let h: Harness.Harness
let gate: RefusingFront.RefusingFront
let stopFirst: () => Promise<void>
beforeAll(async () => {
  h = await Harness.make({ customers: 10 })
  gate = await RefusingFront.start(h.emulator.url)
  stopFirst = await h.replica("retry", { pollIntervalMs: 200 }, logs)
})
afterAll(async () => {
  await h.close()
  await gate.close()
})
const logs: Array<string> = []

describe("trying a refused key again", () => {
  it.each(["refuse", "reset"] as const)("does not take a try that fails otherwise (%s) for the key accepted", async (how) => {
    const sync = await h.createSync({ api_base_url: gate.url })
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await h.admin.revokeKey()
    const phases = new Set<SyncStatus.Phase>()
    try {
      await h.waitForPhase(sync.id, ["failed"], 30_000)
      // The key works again, but no request reaches the emulator.
      gate.set(how)
      await h.admin.restoreKey()
      const before = gate.intercepted()
      await Fixtures.waitFor("two tries of the key that fail otherwise", async () => {
        const status = await h.status(sync.id)
        if (status !== undefined) phases.add(status.phase)
        return gate.intercepted() >= before + 2 ? true : undefined
      }, { timeoutMs: 30_000, intervalMs: 20 })
    } finally {
      gate.set("forward")
      await h.admin.restoreKey()
    }
    expect([...phases]).toStrictEqual(["failed"])
    expect(await Records.milestones(h.nc, h.ns, sync.id)).not.toContain("key_accepted")
    const messages = logs.map((line) => (JSON.parse(line) as { msg?: string }).msg ?? "")
    expect(messages.filter((msg) => msg.includes(sync.id) && msg.includes("accepted again"))).toStrictEqual([])

    // Once a try succeeds, it is over: key_accepted, and live again.
    await h.waitForPhase(sync.id, ["live"], 60_000)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.slice(log.indexOf("failed") + 1).filter((m) => m === "key_accepted")).toHaveLength(1)
    await h.run(SyncStore.remove(sync.id))
  }, 120_000)

  it("shows a failed sync failed, with its reason, when a new actor's first try of the key is refused otherwise (403)", async () => {
    const sync = await h.createSync({ api_base_url: gate.url })
    await h.waitForPhase(sync.id, ["live"], 60_000)
    // Every status as it is written: a poll can miss one that stood for a few milliseconds (the
    // new actor's first, `pending`, until its first try of the key was answered), and a loaded
    // machine (a late lease renewal restarting the actor) makes that window wide enough for a
    // poll to land in it.
    const kv = await new Kvm(h.nc).open(h.ns.buckets.checkpoints)
    const watch = await kv.watch({ key: `${sync.id}.status` })
    const written: Array<{ owner: string; phase: SyncStatus.Phase; reason?: string }> = []
    void (async () => {
      for await (const entry of watch) if (entry.operation === "PUT") written.push(entry.json())
    })()
    const byNewOwner = () => written.filter((s) => s.owner === "retry-next")
    await h.admin.revokeKey()
    try {
      // Failed in the status, so in the log too (it is logged first): the next actor knows.
      await h.waitForPhase(sync.id, ["failed"], 30_000)
      gate.set("refuse")
      await h.admin.restoreKey()
      // Another replica takes the sync over: its actor starts by trying the key once.
      await stopFirst()
      await h.replica("retry-next", { pollIntervalMs: 200 })
      // Its first try answered (403): the status it writes then says when it tries again.
      await Fixtures.waitFor("the new actor's first try of the key, refused otherwise", async () =>
        byNewOwner().some((s) => s.reason?.includes("trying the key again") === true) ? true : undefined, {
        timeoutMs: 30_000,
        intervalMs: 20
      })
      // Counted from there, not from the stop: a try of the stopped actor may still reach the front.
      const before = gate.intercepted()
      await Fixtures.waitFor("the new actor's next try of the key", async () => gate.intercepted() >= before + 1 ? true : undefined, {
        timeoutMs: 30_000,
        intervalMs: 20
      })
      const status = await h.status(sync.id)
      expect(status?.phase).toBe("failed")
      expect(status?.reason).toContain("Give the sync a valid API key")
      // From the new owner's first status on: failed, with the reason, never pending.
      expect(byNewOwner().map((s) => s.phase)).toStrictEqual(byNewOwner().map(() => "failed"))
      for (const s of byNewOwner()) expect(s.reason).toContain("Give the sync a valid API key")
    } finally {
      watch.stop()
      gate.set("forward")
      await h.admin.restoreKey()
    }
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await h.run(SyncStore.remove(sync.id))
  }, 120_000)
})

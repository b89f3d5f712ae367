/**
 * Syncs are picked up, paused, resumed and deleted without a restart, and with three
 * replicas every sync runs exactly once.
 */
import { Collection, SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 10 })
})
afterAll(() => h.close())

describe("sync lifecycle", () => {
  it("runs every sync exactly once across three replicas", async () => {
    await Promise.all(["r1", "r2", "r3"].map((id) => h.replica(id, { pollIntervalMs: 200 })))
    const syncs = await Promise.all([1, 2, 3, 4].map(() => h.createSync()))
    for (const sync of syncs) await h.waitForPhase(sync.id, ["live"])
    for (const sync of syncs) {
      await Eventually.exactCopy(h, sync.id)
      // Two actors of one sync would each have started a backfill.
      expect((await Records.milestones(h.nc, h.ns, sync.id)).filter((m) => m === "backfill_started")).toHaveLength(1)
    }
    const owners = new Set<string>()
    for (const sync of syncs) owners.add((await h.status(sync.id))?.owner ?? "")
    expect(owners.size).toBeGreaterThan(1)
    for (const sync of syncs) await h.run(SyncStore.remove(sync.id))
  }, 120_000)

  it("pauses, resumes and deletes a sync without a restart", async () => {
    await h.replica("solo", { pollIntervalMs: 200 })
    const customers = [Collection.make("stripe", "customer")]
    const sync = await h.createSync({ collections: customers })
    // A second sync of the same account stays active: it shows when a change has been seen.
    const witness = await h.createSync({ collections: customers })
    await h.waitForPhase(sync.id, ["live"])
    await h.waitForPhase(witness.id, ["live"])

    await h.run(SyncStore.setState(sync.id, "paused"))
    await h.waitForPhase(sync.id, ["paused"])
    const customer = (await h.records(sync.id)).byCollection.get("stripe:customer")?.keys().next().value ?? ""
    await fetch(`${h.emulator.url}/v1/customers/${customer}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${h.apiKey}`, "Content-Type": "application/x-www-form-urlencoded" },
      body: "name=Paused%20Change"
    })
    await Fixtures.waitFor("the active sync to see the change", async () => {
      const record = (await h.records(witness.id)).byCollection.get("stripe:customer")?.get(customer)
      return record?.data.name === "Paused Change" ? true : undefined
    }, { timeoutMs: 30_000 })
    const paused = (await h.records(sync.id)).byCollection.get("stripe:customer")?.get(customer)
    expect(paused?.data.name).not.toBe("Paused Change")

    await h.run(SyncStore.setState(sync.id, "active"))
    await Fixtures.waitFor("the change made while paused", async () => {
      const record = (await h.records(sync.id)).byCollection.get("stripe:customer")?.get(customer)
      return record?.data.name === "Paused Change" ? true : undefined
    }, { timeoutMs: 30_000 })

    await h.run(SyncStore.remove(sync.id))
    await Fixtures.waitFor("the deleted sync's status to go", async () => ((await h.status(sync.id)) === undefined ? true : undefined), {
      timeoutMs: 30_000
    })
    expect(await Records.milestones(h.nc, h.ns, sync.id)).toEqual([])

    // Created again under the same id (as `npm run up` does with its demo sync), it starts
    // afresh: a backfill of its own, not the deleted sync's change cursor.
    await h.createSync({ id: sync.id, collections: customers })
    await h.waitForPhase(sync.id, ["live"])
    const milestones = await Records.milestones(h.nc, h.ns, sync.id)
    expect(milestones.filter((m) => m === "backfill_started")).toHaveLength(1)
    expect(milestones).toContain("backfill_complete")
    await h.run(SyncStore.remove(witness.id))
    await h.run(SyncStore.remove(sync.id))
  }, 120_000)
})

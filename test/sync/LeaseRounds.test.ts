/**
 * Many syncs at once on a few replicas, one of which cannot run them (a replica of another
 * version, without the connector): every sync runs exactly once, on a replica that can run
 * it, and all become live. The replicas that can run them take them however many they already
 * run, before the one that cannot is back from its decline: it lets each sync go once.
 */
import { Collection, SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

const SYNCS = 60

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 3 })
})
afterAll(() => h.close())

const messagesOf = (logs: ReadonlyArray<string>) => logs.map((line) => (JSON.parse(line) as { msg?: string }).msg ?? "")

describe("lease rounds", () => {
  it(`runs ${SYNCS} syncs exactly once on two replicas, a third without the connector letting each go once`, async () => {
    const logs = { a: new Array<string>(), b: new Array<string>(), old: new Array<string>() }
    const settings = { pollIntervalMs: 1000 }
    await h.replica("rounds-a", settings, logs.a)
    await h.replica("rounds-b", settings, logs.b)
    await h.replica("rounds-old", settings, logs.old, { withoutConnectors: true })
    const customers = [Collection.make("stripe", "customer")]
    const syncs = await Promise.all(Array.from({ length: SYNCS }, () => h.createSync({ collections: customers })))

    await Fixtures.waitFor(`all ${SYNCS} syncs live`, async () => {
      const statuses = await Promise.all(syncs.map((sync) => h.status(sync.id)))
      return statuses.every((s) => s?.phase === "live") ? statuses : undefined
    }, { timeoutMs: 120_000, intervalMs: 500 })

    const owners = new Map<string, number>()
    for (const sync of syncs) {
      const status = await h.status(sync.id)
      owners.set(status?.owner ?? "", (owners.get(status?.owner ?? "") ?? 0) + 1)
      // Two actors of one sync would each have started a backfill.
      const log = await Records.milestones(h.nc, h.ns, sync.id)
      expect(log.filter((m) => m === "backfill_started"), sync.id).toHaveLength(1)
      expect(log.filter((m) => m === "failed").length, `${sync.id}: ${log.join(", ")}`).toBeLessThanOrEqual(1)
    }
    expect([...owners.keys()].sort()).toStrictEqual(["rounds-a", "rounds-b"])

    // Each sync the old replica took, it let go once: the others had taken it before its decline
    // was over (their spread delay counts from the release, not from the round that notices it),
    // and never lost one they ran (renewals do not wait behind a round of takes).
    const declines = messagesOf(logs.old).flatMap((msg) => /^this replica cannot run (sync_\w+):/.exec(msg)?.[1] ?? [])
    const twice = declines.filter((sync, i) => declines.indexOf(sync) !== i)
    expect(twice, "declined twice").toStrictEqual([])
    const lost = messagesOf([...logs.a, ...logs.b]).filter((msg) => /^(could not renew|lost) the lease/.test(msg))
    expect(lost, "leases lost by a replica that can run them").toStrictEqual([])
    for (const sync of syncs) await h.run(SyncStore.remove(sync.id))
  }, 180_000)
})

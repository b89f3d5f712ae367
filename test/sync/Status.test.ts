/**
 * What a sync's status says, as `tributary syncs list` and the management API show it: the lag
 * is how far behind upstream the copy is (about 0 once a poll finds nothing newer, however old
 * the last change was), the same in the status as in `/metrics`; and the records a backfill
 * found stay in the status when another actor takes the sync on (a pause and a resume, a
 * replica that stops and another that takes the lease).
 */
import { SyncStore } from "@tributary/core"
import type { SyncStatus } from "@tributary/core"
import { Fixtures, Ports } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 10 })
})
afterAll(() => h.close())

/** The sync's `tributary_sync_lag_seconds` on the replica serving `/metrics` on `port`. */
const metricLag = async (port: number, sync: string): Promise<number | undefined> => {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${Harness.METRICS_TOKEN}` } })
  const text = await response.text()
  const line = text.split("\n").find((l) => l.startsWith(`tributary_sync_lag_seconds{sync="${sync}"}`))
  return line === undefined ? undefined : Number(line.split(" ").at(-1))
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0))

/** Records per collection in a status, as `syncs list` sums them. */
const progressOf = (status: SyncStatus.SyncStatus | undefined) =>
  nonZero(Object.fromEntries(Object.entries(status?.progress ?? {}).map(([collection, p]) => [collection, p.records])))

describe("sync status", () => {
  it("reports a lag of about 0 once caught up, after a backfill of hours-old events, in the status and the metric alike", async () => {
    // The seeded account's newest event is hours old: the copy is caught up all the same.
    const newest = await fetch(`${h.emulator.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${h.apiKey}` } })
      .then((r) => r.json() as Promise<{ data: Array<{ created: number }> }>)
    expect(Date.now() / 1000 - (newest.data[0]?.created ?? 0)).toBeGreaterThan(600)
    const port = await Ports.freePort()
    const stop = await h.replica("lag", { pollIntervalMs: 200, httpPort: port })
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"])
    let seen = {}
    const agreed = await Fixtures.waitFor("a lag of about 0 in the status and the metric", async () => {
      const status = (await h.status(sync.id))?.lag_seconds
      const metric = await metricLag(port, sync.id)
      seen = { status, metric }
      return status !== undefined && metric !== undefined && status < 5 && metric < 5 ? { status, metric } : undefined
    }, { timeoutMs: 15_000, intervalMs: 200 }).catch((error: unknown) => {
      throw new Error(`${String(error)}; last seen ${JSON.stringify(seen)}`)
    })
    expect(Math.abs(agreed.status - agreed.metric)).toBeLessThan(5)
    await h.run(SyncStore.remove(sync.id))
    await stop()
  }, 120_000)

  it("keeps the records the backfill found after a pause and resume, and on the replica that takes the sync over", async () => {
    const stopFirst = await h.replica("first", { pollIntervalMs: 200 })
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"])
    const counts = nonZero((await Records.lastRowCounts(h.nc, h.ns, sync.id)) ?? {})
    expect(Object.keys(counts).length).toBeGreaterThan(3)
    expect(progressOf(await h.status(sync.id))).toStrictEqual(counts)

    await h.run(SyncStore.setState(sync.id, "paused"))
    expect(progressOf(await h.waitForPhase(sync.id, ["paused"]))).toStrictEqual(counts)
    await h.run(SyncStore.setState(sync.id, "active"))
    expect(progressOf(await h.waitForPhase(sync.id, ["live"]))).toStrictEqual(counts)

    // The replica stops (its lease released); the next takes the sync and goes on from the log.
    await stopFirst()
    await h.replica("second", { pollIntervalMs: 200 })
    const taken = await Fixtures.waitFor("the second replica to run the sync", async () => {
      const status = await h.status(sync.id)
      return status?.owner === "second" && status.phase === "live" ? status : undefined
    }, { timeoutMs: 30_000, intervalMs: 100 })
    expect(progressOf(taken)).toStrictEqual(counts)
    await h.run(SyncStore.remove(sync.id))
  }, 120_000)
})

/**
 * nats-server stopped (or killed) for several seconds and started again on the same port and
 * store, while two replicas run a sync: mid-backfill, the sync resumes and RECORDS ends an
 * exact copy of the emulator, its log as if nothing had happened (one backfill, no failure);
 * while live, the changes made before, during and after the outage all arrive, none older over
 * a newer one. Never more than one actor of the sync runs, during the outage or after it. The
 * server is this file's own, so stopping it disturbs no other test. While NATS is away a
 * replica is not ready (`/readyz`), saying why only to the metrics token.
 */
import { SyncStore } from "@tributary/core"
import { Fixtures, NatsServer, Ports, Probes } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.js"
import * as Compare from "./support/Compare.js"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

/** Longer than the replicas' lease TTL (3 s): every lease has expired by every replica's clock when NATS is back. */
const OUTAGE_MS = 6_000

let server: NatsServer.Private
let h: Harness.Harness
beforeAll(async () => {
  server = await NatsServer.startPrivate("sync-nats-restart")
  h = await Harness.make({ customers: 80, natsUrl: server.url })
})
afterAll(async () => {
  await h?.close()
  await server?.dispose()
})

/** The sync actors a replica serving `/metrics` on `port` runs (`tributary_sync_actors`). */
const actorsOn = async (port: number): Promise<number> => {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${Harness.METRICS_TOKEN}` } })
  const line = (await response.text()).split("\n").find((l) => l.startsWith("tributary_sync_actors "))
  return Number(line?.split(" ").at(-1) ?? "0")
}

/**
 * Replicas whose actors are counted all along (the count is served over HTTP, NATS or not):
 * `most` is the largest number of actors that ran at once on all of them.
 */
const countedReplicas = async (name: string, count: number) => {
  const ports = await Promise.all(Array.from({ length: count }, () => Ports.freePort()))
  const logs = ports.map(() => new Array<string>())
  const stops = await Promise.all(ports.map((httpPort, i) =>
    h.replica(`${name}-${i}`, { pollIntervalMs: 200, sweepIntervalMs: 1000, rescanIntervalMs: 1000, httpPort }, logs[i])))
  const actors = async () => (await Promise.all(ports.map(actorsOn))).reduce((a, b) => a + b, 0)
  let most = 0
  let counting = true
  const counter = (async () => {
    while (counting) {
      most = Math.max(most, await actors().catch(() => 0))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  return {
    actors,
    logs,
    most: () => most,
    stop: async () => {
      counting = false
      await counter
      for (const stop of stops) await stop()
    }
  }
}

const pagesOf = (status: { progress: Record<string, { pages: number }> } | undefined) =>
  Object.values(status?.progress ?? {}).reduce((n, p) => n + p.pages, 0)

/**
 * Stop or kill nats-server, wait for every actor to stop (no replica can renew its lease), keep
 * it away for `OUTAGE_MS` in all, and start it again.
 */
const outage = async (how: "stop" | "kill", replicas: { readonly actors: () => Promise<number> }, during?: () => Promise<void>) => {
  const stoppedAt = Date.now()
  await server[how]()
  try {
    // The owner stops its actor at 80% of the TTL without a renewal, before anyone may take over.
    await Fixtures.waitFor("no actor while NATS is away", async () => ((await replicas.actors()) === 0 ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 50
    })
    await during?.()
    // The outage itself lasts a while, past every lease's TTL, whatever else happens.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))))
  } finally {
    await server.restart()
  }
}

/** Every change a record went through on EVENTS has a higher updated_idx than the one before, and the last is the one on RECORDS. */
const expectOrderedChanges = async (sync: string, copy: Awaited<ReturnType<typeof Eventually.exactCopy>>) => {
  const changes = await Records.changes(h.nc, h.ns, sync)
  for (const versions of changes.values()) {
    for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!)
  }
  for (const records of copy.values()) {
    for (const record of records.values()) expect(changes.get(record.id)?.at(-1)).toBe(record.updated_idx)
  }
}

describe("sync: NATS restart", () => {
  it("is not ready while nats-server is away, says why only to the metrics token, and is ready again after", async () => {
    const httpPort = await Ports.freePort()
    const url = `http://127.0.0.1:${httpPort}`
    const stop = await h.replica("readyz", { httpPort })
    try {
      await Fixtures.waitFor("the replica ready", async () => ((await Probes.readyz(url)).status === 200 ? true : undefined))
      await server.stop()
      try {
        await Fixtures.waitFor("not ready for NATS, for the metrics token", async () =>
          Probes.notReadyFor(await Probes.readyz(url, Harness.METRICS_TOKEN), "nats", /NATS/) ? true : undefined)
        expect(await Probes.readyz(url)).toEqual({ status: 503, body: { status: "not ready" } })
      } finally {
        await server.restart()
      }
      await Fixtures.waitFor("the replica ready again", async () => ((await Probes.readyz(url)).status === 200 ? true : undefined),
        { timeoutMs: 30_000 })
      expect(await Probes.readyz(url, Harness.METRICS_TOKEN)).toEqual({ status: 200, body: { status: "ready" } })
    } finally {
      await stop()
    }
  }, 60_000)

  it.each(["stop", "kill"] as const)("resumes a backfill when nats-server restarts (%s) and ends an exact copy, one actor all along", async (how) => {
    const replicas = await countedReplicas(`backfill-${how}`, 2)
    // A small budget makes the backfill last long enough for the outage to fall in the middle.
    const sync = await h.createSync({ rate_budget: { quota_per_second: 25, share: 1 } })
    await Fixtures.waitFor("a few checkpointed pages", async () => {
      const status = await h.status(sync.id)
      return status?.phase === "backfilling" && pagesOf(status) >= 8 ? status : undefined
    }, { timeoutMs: 60_000, intervalMs: 50 })

    await outage(how, replicas)

    await h.waitForPhase(sync.id, ["live"], 120_000)
    const copy = await Eventually.exactCopy(h, sync.id)
    await expectOrderedChanges(sync.id, copy)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log).toStrictEqual(["backfill_started", "backfill_complete", "events_caught_up"])
    expect(await Records.lastRowCounts(h.nc, h.ns, sync.id)).toStrictEqual(Compare.nonZeroCounts(copy))
    expect(await replicas.actors()).toBe(1)
    expect(replicas.most()).toBe(1)
    await replicas.stop()
    await h.run(SyncStore.remove(sync.id))
  }, 240_000)

  it.each(["stop", "kill"] as const)("loses no change made before, during or after a restart of nats-server (%s) while live", async (how) => {
    const replicas = await countedReplicas(`live-${how}`, 2)
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"], 120_000)
    const customer = (await h.records(sync.id)).byCollection.get("stripe:customer")?.keys().next().value ?? ""
    const rename = (name: string) => Api.call(h, "POST", `/v1/customers/${customer}`, `name=${encodeURIComponent(name)}`)

    await h.admin.mutate({ ratePerSecond: 20, durationMs: 1500, wait: true })
    await rename("before the outage")
    await outage(how, replicas, async () => {
      await h.admin.mutate({ ratePerSecond: 20, durationMs: 1500, wait: true })
      await rename("during the outage")
    })
    await rename("after the outage")
    await h.admin.mutate({ ratePerSecond: 20, durationMs: 1500, wait: true })

    const copy = await Eventually.exactCopy(h, sync.id, 90_000)
    expect(copy.get("stripe:customer")?.get(customer)?.data.name).toBe("after the outage")
    await expectOrderedChanges(sync.id, copy)
    // The replicas' watch of the syncs bucket outlived the restart: a pause and a resume take effect.
    await h.run(SyncStore.setState(sync.id, "paused"))
    await h.waitForPhase(sync.id, ["paused"], 30_000)
    await h.run(SyncStore.setState(sync.id, "active"))
    await h.waitForPhase(sync.id, ["live"], 30_000)
    const log = await Records.milestones(h.nc, h.ns, sync.id)
    expect(log.filter((m) => m !== "fell_behind" && m !== "config_changed"))
      .toStrictEqual(["backfill_started", "backfill_complete", "events_caught_up"])
    expect(await replicas.actors()).toBe(1)
    expect(replicas.most()).toBe(1)
    await replicas.stop()
    await h.run(SyncStore.remove(sync.id))
  }, 240_000)
})

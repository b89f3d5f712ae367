/**
 * How soon a live sync carries on once nats-server is back after a short restart. nats.js drops
 * what is published while its connection is lost (it empties its outbound buffer at each dial),
 * so a request or ack-awaited publish made meanwhile would get no answer and wait out its whole
 * timeout (5 s for a KV request, 10 s for a record's ack) before it failed and was tried again:
 * the sync would stall that long after the server came back. The lease's TTL here is long
 * (15 s, renewed every 5 s), so the outage, shorter than 80% of it, stops no actor: what is
 * measured is the actor's own requests, not a takeover. The server is this file's own.
 */
import { connect } from "@nats-io/transport-node"
import { SyncStore } from "@tributary/core"
import { Fixtures, NatsServer } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.js"
import * as Harness from "./support/Harness.js"
import * as Records from "./support/Records.js"

/** Long enough for the live sync to see a change and publish it while NATS is away. */
const OUTAGE_MS = 1_500

/** Once the server is back: the client reconnects within 250 ms, the sync polls every 200 ms. */
const RESUMED_WITHIN_MS = 3_000

let server: NatsServer.Private
let h: Harness.Harness
beforeAll(async () => {
  server = await NatsServer.startPrivate("sync-nats-reconnect")
  h = await Harness.make({ customers: 20, natsUrl: server.url })
})
afterAll(async () => {
  await h?.close()
  await server?.dispose()
})

describe("sync: NATS reconnect", () => {
  it.each(["stop", "kill"] as const)("publishes a change made after a short restart of nats-server (%s) within seconds", async (how) => {
    const stop = await h.replica(`reconnect-${how}`, { pollIntervalMs: 200, leaseTtlMs: 15_000 })
    const sync = await h.createSync()
    try {
      await h.waitForPhase(sync.id, ["live"], 120_000)
      const customer = (await h.records(sync.id)).byCollection.get("stripe:customer")?.keys().next().value ?? ""
      const rename = (name: string) => Api.call(h, "POST", `/v1/customers/${customer}`, `name=${encodeURIComponent(name)}`)

      await server[how]()
      try {
        // Seen by the change feed (the emulator needs no NATS) and published while NATS is away.
        await rename("during the outage")
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS))
      } finally {
        await server.restart()
      }
      const backAt = Date.now()
      await rename("after the outage")
      // A connection of its own, made now: the harness's own may be reconnecting still.
      const nc = await connect({ servers: h.natsUrl })
      try {
        await Fixtures.waitFor("the change made after the outage on RECORDS", async () => {
          const records = await Records.read(nc, h.ns, sync.id)
          return records.byCollection.get("stripe:customer")?.get(customer)?.data.name === "after the outage" ? true : undefined
        }, { timeoutMs: 30_000, intervalMs: 50 })
      } finally {
        await nc.close()
      }
      const resumedMs = Date.now() - backAt
      console.log(`sync resumed ${resumedMs} ms after nats-server was back (${how})`)
      expect(resumedMs).toBeLessThan(RESUMED_WITHIN_MS)
    } finally {
      await stop()
      await h.run(SyncStore.remove(sync.id))
    }
  }, 120_000)
})

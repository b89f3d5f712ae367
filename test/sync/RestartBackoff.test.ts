/**
 * An actor that stops on a failure outside the retried paths (here a request the upstream
 * rejects, a 403) starts over after a back-off that doubles while it keeps failing. After a
 * healthy run as long as the longest wait, a new failure is a new one: its back-off starts from
 * the beginning again, not where the last episode left it.
 */
import { SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./support/Harness.js"
import * as RefusingFront from "./support/RefusingFront.js"

/** The actor's longest wait between restarts (the sync service's `Backoff.patient`). */
const LONGEST_WAIT_MS = 30_000

let h: Harness.Harness
let gate: RefusingFront.RefusingFront
const logs: Array<string> = []
beforeAll(async () => {
  h = await Harness.make({ customers: 3 })
  gate = await RefusingFront.start(h.emulator.url)
  await h.replica("restarts", { pollIntervalMs: 200 }, logs)
})
afterAll(async () => {
  await h.close()
  await gate.close()
})

/** The waits of the actor's restarts so far, in ms. */
const restartWaits = () =>
  logs.flatMap((line) => /stopped: .*; resuming in (\d+) ms$/.exec((JSON.parse(line) as { msg?: string }).msg ?? "")?.[1] ?? []).map(Number)

/** Refuses the sync's requests until its actor stops once more, then forwards them again. */
const refuseUntilRestart = async () => {
  const before = restartWaits().length
  gate.set("refuse")
  try {
    await Fixtures.waitFor("the actor to stop", async () => restartWaits().length > before ? true : undefined, { timeoutMs: 30_000, intervalMs: 20 })
  } finally {
    gate.set("forward")
  }
}

describe("an actor's restarts", () => {
  it("back off from the beginning again after a healthy run", async () => {
    const sync = await h.createSync({ api_base_url: gate.url })
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await refuseUntilRestart()
    await h.waitForPhase(sync.id, ["live"], 60_000)
    // Healthy for longer than the longest wait.
    const healthyUntil = Date.now() + LONGEST_WAIT_MS + 1_000
    await Fixtures.waitFor("a long healthy run", async () => {
      expect((await h.status(sync.id))?.phase).toBe("live")
      return Date.now() > healthyUntil ? true : undefined
    }, { timeoutMs: LONGEST_WAIT_MS + 10_000, intervalMs: 500 })
    await refuseUntilRestart()
    const waits = restartWaits()
    // The first step of the back-off, each time: between half a second and a second.
    expect(waits, waits.join(", ")).toHaveLength(2)
    for (const wait of waits) expect(wait, waits.join(", ")).toBeLessThanOrEqual(1_000)
    await h.waitForPhase(sync.id, ["live"], 60_000)
    await h.run(SyncStore.remove(sync.id))
  }, 120_000)
})

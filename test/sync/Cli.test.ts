/**
 * `tributary syncs create|list|show|pause|resume|delete`, run as the command it is, against the
 * same syncs bucket a running replica watches: every change takes effect without a restart.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { Ids } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"

const run = promisify(execFile)

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 5 })
})
afterAll(() => h.close())

const tributary = async (...args: Array<string>) => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", ...args], {
    env: {
      ...process.env,
      TRIBUTARY_NATS_URL: h.natsUrl,
      TRIBUTARY_NAMESPACE: h.ns.root,
      TRIBUTARY_SECRET_KEY: Harness.SECRET_KEY,
      // The key comes from the environment, as the docs advise, to keep it out of the process list.
      TRIBUTARY_SYNC_API_KEY: h.apiKey
    }
  })
  return stdout
}

/** The `syncs list` row of a sync, as columns. */
const rowOf = (listing: string, sync: string) => listing.split("\n").find((line) => line.startsWith(sync))?.split(/\s+/)

describe("tributary syncs", () => {
  it("creates, lists, shows, pauses, resumes and deletes a sync that a running replica follows", async () => {
    await h.replica("r1", { pollIntervalMs: 200 })
    const sync = Ids.SyncId.make((await tributary("syncs", "create", "--api-base-url", h.emulator.url, "--id", "cli_sync")).trim())
    expect(sync).toBe("cli_sync")
    await h.waitForPhase(sync, ["live"])
    const copy = await Eventually.exactCopy(h, sync)
    const total = [...copy.values()].reduce((n, records) => n + records.size, 0)
    const listing = await tributary("syncs", "list")
    // BACKFILLED: the records the backfill read (the status's progress), not the rows there are now.
    expect(listing.split("\n")[0]?.split(/\s+/)).toStrictEqual(["SYNC", "SOURCE", "STATE", "PHASE", "BACKFILLED", "DETAIL"])
    const live = rowOf(listing, sync)
    expect(live?.slice(1, 5)).toStrictEqual(["stripe", "active", "live", String(total)])
    expect(live?.join(" ")).toContain("on r1")

    // One sync in detail: its config without the key, its status, and progress per collection.
    const shown = await tributary("syncs", "show", sync)
    expect(shown).toMatch(/^phase:\s+live$/m)
    expect(shown).toMatch(/^owner:\s+r1$/m)
    expect(shown).toMatch(/^COLLECTION\s+RECORDS\s+PAGES\s+BACKFILL$/m)
    expect(shown).toMatch(new RegExp(`^stripe:customer\\s+${copy.get("stripe:customer")?.size ?? "?"}\\s+\\d+\\s+done$`, "m"))
    expect(shown).not.toContain(h.apiKey)
    const shownJson = JSON.parse(await tributary("syncs", "show", sync, "--json")) as Record<string, unknown> & { status: { phase: string } }
    expect(shownJson).toMatchObject({ id: sync, source: "stripe", state: "active", status: { phase: "live" } })
    expect(shownJson).not.toHaveProperty("api_key")

    expect(await tributary("syncs", "pause", sync)).toContain(`paused ${sync}`)
    await h.waitForPhase(sync, ["paused"])
    // The records the backfill found stay in the listing, paused and resumed.
    expect(rowOf(await tributary("syncs", "list"), sync)?.slice(2, 5)).toStrictEqual(["paused", "paused", String(total)])

    expect(await tributary("syncs", "resume", sync)).toContain(`resumed ${sync}`)
    await h.waitForPhase(sync, ["live"])
    expect(rowOf(await tributary("syncs", "list"), sync)?.slice(2, 5)).toStrictEqual(["active", "live", String(total)])

    expect(await tributary("syncs", "delete", sync)).toContain(`deleted ${sync}`)
    expect((await tributary("syncs", "list")).trim()).toBe("no syncs")
    // A sync that is not there is a clear error and a failed exit, not a silent success.
    const missing = await tributary("syncs", "resume", sync).then(() => undefined, (error: { code?: number; stderr?: string }) => error)
    expect(missing?.code).toBe(1)
    expect(missing?.stderr).toContain(sync)
    await Fixtures.waitFor("the deleted sync's status to go", async () => ((await h.status(sync)) === undefined ? true : undefined), {
      timeoutMs: 30_000
    })
  }, 120_000)
})

/**
 * The sync service, and a demo sync against the emulator that `npm run up` started, so
 * records flow into `RECORDS` within seconds. The demo sync is recreated on every run: the
 * emulator keeps its data in memory, so last run's copy would describe another account.
 */
import { spawnSync } from "node:child_process"
import { Ports } from "@tributary/testkit/servers"
import type { Component } from "../Component.js"
import { waitForReady } from "../Ready.js"

const DEMO_SYNC = "demo"

const tributary = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    // A CLI step that hangs (NATS unreachable) fails the start instead of holding it.
    timeout: 60_000
  })


export const sync: Component = {
  name: "sync service and the demo sync",
  start: async (context) => {
    const port = await Ports.preferPort(8090)
    const env = {
      TRIBUTARY_NATS_URL: context.natsUrl,
      TRIBUTARY_SECRET_KEY: context.secretKey,
      TRIBUTARY_SYNC_PORT: String(port),
      TRIBUTARY_SYNC_HOST: "127.0.0.1",
      TRIBUTARY_SYNC_REPLICA_ID: "local-1"
    }
    const child = context.spawn("sync", process.execPath, ["--import", "tsx", "services/sync/src/main.ts"], env)
    const url = `http://127.0.0.1:${port}`
    await waitForReady("sync", `${url}/readyz`, child, 30_000)

    const emulatorUrl = context.published.emulator_url
    const emulatorKey = context.published.emulator_api_key
    if (typeof emulatorUrl !== "string" || typeof emulatorKey !== "string") {
      return { published: { sync_url: url }, summary: `sync          ${url} (no emulator, so no demo sync)` }
    }
    tributary(["syncs", "delete", DEMO_SYNC], env)
    const created = tributary(
      ["syncs", "create", "--id", DEMO_SYNC, "--name", "Demo (Stripe emulator)", "--api-base-url", emulatorUrl],
      { ...env, TRIBUTARY_SYNC_API_KEY: emulatorKey }
    )
    if (created.status !== 0) throw new Error(`could not create the demo sync:\n${created.stderr}${created.stdout}`)
    return {
      published: { sync_url: url, demo_sync_id: DEMO_SYNC },
      summary: `sync          ${url} (/metrics); demo sync '${DEMO_SYNC}': npm run tributary -- syncs list`
    }
  }
}

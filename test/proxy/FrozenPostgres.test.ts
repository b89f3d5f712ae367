/**
 * Postgres frozen (every process of a private server stopped with SIGSTOP): connections stay
 * open and nothing answers. The proxy's `/readyz` says so within its Postgres ping bound (2 s),
 * rather than hanging until the probe gives up; probes made meanwhile wait for the one ping in
 * flight rather than each holding a connection of the writer's pool. 200 again once thawed.
 */
import { spawnSync } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { Fixtures, PostgresServer, Probes } from "@tributary/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ProxyStack from "./support/ProxyStack.js"
import * as ServiceProcess from "./support/ServiceProcess.js"

let dir: string
let server: PostgresServer.PostgresServer
let emulator: RunningEmulator
let stack: ProxyStack.ProxyStack
let service: ChildProcess
let httpPort: number
const METRICS_TOKEN = "proxy-frozen-postgres-metrics-token"
/** The ping bound (2 s) with slack for a busy 2-core host; without the bound a probe never answers. */
const BOUND_MS = 3_500

/** The postmaster and every backend and helper it started. */
const postgresProcesses = (): ReadonlyArray<number> => {
  const postmaster = Number(readFileSync(join(server.dir, "data", "postmaster.pid"), "utf8").split("\n")[0])
  const children = spawnSync("pgrep", ["-P", String(postmaster)], { encoding: "utf8" }).stdout.split("\n").filter((l) => l !== "").map(Number)
  return [postmaster, ...children]
}
const signalPostgres = (signal: NodeJS.Signals) => {
  for (const pid of postgresProcesses()) process.kill(pid, signal)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tributary-proxy-frozen-pg-"))
  chmodSync(dir, 0o755)
  server = await PostgresServer.start({ dir: join(dir, "pg"), password: "frozen" })
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const [a, b] = emulator.apiKeys
  stack = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] }, undefined, { postgresUrl: server.url })
  ;({ child: service, httpPort } = await ServiceProcess.start(stack.serviceEnv, {
    TRIBUTARY_METRICS_TOKEN: METRICS_TOKEN
  }))
}, 120_000)

afterAll(async () => {
  if (server !== undefined) signalPostgres("SIGCONT")
  await ServiceProcess.stop(service)
  await stack?.stop()
  await emulator?.stop()
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("proxy: Postgres frozen", () => {
  it("/readyz answers 503 within 2 s and a little, Postgres not answering, as often as asked; 200 once thawed", async () => {
    const readyz = () => Probes.readyz(`http://127.0.0.1:${httpPort}`, METRICS_TOKEN)
    await Fixtures.waitFor("the service ready", async () => ((await readyz()).status === 200 ? true : undefined), { timeoutMs: 60_000 })
    signalPostgres("SIGSTOP")
    try {
      // More probes than the writer's pool has connections (10): none waits on a pool exhausted by the others.
      for (let probe = 0; probe < 11; probe++) {
        const started = performance.now()
        const answer = await readyz()
        expect(performance.now() - started, `probe ${probe}`).toBeLessThan(BOUND_MS)
        expect(answer).toEqual({
          status: 503,
          body: { status: "not ready", reasons: [{ component: "postgres", reason: "Postgres did not answer within 2000 ms" }] }
        })
      }
    } finally {
      signalPostgres("SIGCONT")
    }
    await Fixtures.waitFor("the service ready again", async () => ((await readyz()).status === 200 ? true : undefined), { timeoutMs: 30_000 })
  }, 120_000)
})

/**
 * Sync replicas as child processes (`services/sync/src/main.ts`), so that killing one
 * with SIGKILL is a real crash: no finalizer runs, its leases are left to expire.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { Ports } from "@tributary/testkit/servers"
import { Fixtures } from "@tributary/testkit"

export interface Replica {
  readonly id: string
  readonly url: string
  readonly child: ChildProcess
  /** Everything the replica logged. */
  readonly output: () => string
  readonly kill: (signal?: NodeJS.Signals) => Promise<void>
}

export interface Options {
  readonly natsUrl: string
  readonly namespace: string
  readonly secretKey: string
  readonly env?: Record<string, string>
}

export const start = async (id: string, options: Options): Promise<Replica> => {
  const port = await Ports.freePort()
  const child = spawn(process.execPath, ["--import", "tsx", "services/sync/src/main.ts"], {
    env: {
      ...process.env,
      TRIBUTARY_NATS_URL: options.natsUrl,
      TRIBUTARY_NAMESPACE: options.namespace,
      TRIBUTARY_SECRET_KEY: options.secretKey,
      TRIBUTARY_SYNC_PORT: String(port),
      TRIBUTARY_SYNC_REPLICA_ID: id,
      TRIBUTARY_SYNC_LEASE_TTL_MS: "3000",
      TRIBUTARY_LOG_LEVEL: "info",
      ...options.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const url = `http://127.0.0.1:${port}`
  await Fixtures.waitFor(`replica ${id} to be ready`, async () => {
    if (child.exitCode !== null) throw new Error(`replica ${id} exited:\n${output}`)
    return (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) ? true : undefined
  }, { timeoutMs: 30_000, intervalMs: 100 })
  return {
    id,
    url,
    child,
    output: () => output,
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      await exited
    }
  }
}

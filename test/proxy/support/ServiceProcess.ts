/** The proxy service run as a process of its own by a test. */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { Fixtures, Ports } from "@tributary/testkit"

export interface Started {
  readonly child: ChildProcess
  /** `/healthz`, `/readyz` and `/metrics`. */
  readonly httpPort: number
}

/**
 * One worker on 127.0.0.1, on free ports, with the stack's NATS, Postgres and secret key
 * (`serviceEnv`), and `env` on top (a metrics token, a read timeout).
 */
export const start = async (serviceEnv: Readonly<Record<string, string>>, env: Readonly<Record<string, string>> = {}): Promise<Started> => {
  const httpPort = await Ports.freePort()
  const child = spawn(process.execPath, ["--import", "tsx", new URL("../../../services/proxy/src/main.ts", import.meta.url).pathname], {
    stdio: "ignore",
    env: {
      ...process.env,
      ...serviceEnv,
      TRIBUTARY_PROXY_HOST: "127.0.0.1",
      TRIBUTARY_PROXY_PORT: String(await Ports.freePort()),
      TRIBUTARY_PROXY_HTTP_PORT: String(httpPort),
      TRIBUTARY_PROXY_WORKERS: "1",
      ...env
    }
  })
  return { child, httpPort }
}

export interface Replica extends Started {
  /** The proxy's own port, which the primary hands to its workers in turn. */
  readonly port: number
  /** What the primary and its workers printed so far. */
  readonly output: () => string
}

/**
 * The service as deployed: `workers` worker processes, started once every one of them is
 * listening (so connections are spread over all). `env` on top, as for `start`.
 */
export const startWorkers = async (
  serviceEnv: Readonly<Record<string, string>>,
  workers: number,
  env: Readonly<Record<string, string>> = {}
): Promise<Replica> => {
  const port = await Ports.freePort()
  const httpPort = await Ports.freePort()
  let output = ""
  const child = spawn(process.execPath, ["--import", "tsx", new URL("../../../services/proxy/src/main.ts", import.meta.url).pathname], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...serviceEnv,
      TRIBUTARY_PROXY_HOST: "127.0.0.1",
      TRIBUTARY_PROXY_PORT: String(port),
      TRIBUTARY_PROXY_HTTP_PORT: String(httpPort),
      TRIBUTARY_PROXY_WORKERS: String(workers),
      TRIBUTARY_LOG_LEVEL: "info",
      ...env
    }
  })
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
  await Fixtures.waitFor(
    `${workers} proxy workers listening`,
    () => ((output.match(/proxy listening on/g) ?? []).length >= workers ? true : undefined),
    { timeoutMs: 60_000 }
  )
  return { child, port, httpPort, output: () => output }
}

/** SIGTERM, and wait for it to exit (nothing to do if it never started or already exited). */
export const stop = async (service: ChildProcess | undefined): Promise<void> => {
  if (service === undefined || service.exitCode !== null) return
  const exited = new Promise((resolve) => service.once("exit", resolve))
  service.kill("SIGTERM")
  await exited
}

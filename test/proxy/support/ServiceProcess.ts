/** The proxy service run as a process of its own by a test. */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { Ports } from "@tributary/testkit"

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

/** SIGTERM, and wait for it to exit (nothing to do if it never started or already exited). */
export const stop = async (service: ChildProcess | undefined): Promise<void> => {
  if (service === undefined || service.exitCode !== null) return
  const exited = new Promise((resolve) => service.once("exit", resolve))
  service.kill("SIGTERM")
  await exited
}

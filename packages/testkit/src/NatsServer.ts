/**
 * A real `nats-server -js` on a free port, with its store in a directory of its own.
 */
import { mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import * as Binaries from "./Binaries.js"
import { freePort } from "./internal/Ports.js"
import * as Process from "./internal/Process.js"

export interface NatsServer {
  readonly url: string
  readonly port: number
  readonly dir: string
  /** Graceful shutdown (SIGTERM). */
  readonly stop: () => Promise<void>
  /** Crash (SIGKILL): what a power cut or OOM-kill looks like. */
  readonly kill: () => Promise<void>
  /** Start again on the same port and store, after `stop` or `kill`. */
  readonly restart: () => Promise<void>
}

export interface Options {
  readonly dir: string
  readonly port?: number
}

export const missingMessage =
  "nats-server not found. Install it with `apt-get install nats-server` (Debian/Ubuntu), " +
  "or set TRIBUTARY_NATS_SERVER_BIN to its path."

export const start = async (options: Options): Promise<NatsServer> => {
  const binary = Binaries.natsServer()
  if (binary === undefined) throw new Error(missingMessage)
  const port = options.port ?? (await freePort())
  const store = join(options.dir, "jetstream")
  const logFile = join(options.dir, "nats-server.log")
  mkdirSync(store, { recursive: true })

  let current: Process.Started | undefined
  const launch = async () => {
    const offset = readLength(logFile)
    current = Process.start(binary, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store], logFile)
    const started = current
    await Process.waitUntil(`nats-server on port ${port}`, async () =>
      readFileSync(logFile, "utf8").slice(offset).includes("Server is ready"), started)
  }
  await launch()

  const halt = (signal: NodeJS.Signals) => async () => {
    if (current !== undefined) await Process.stop(current.child, signal)
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir: options.dir,
    stop: halt("SIGTERM"),
    kill: halt("SIGKILL"),
    restart: launch
  }
}

const readLength = (file: string): number => {
  try {
    return readFileSync(file, "utf8").length
  } catch {
    return 0
  }
}

/**
 * A child server process whose output goes to a log file, and which is killed when the
 * parent exits, so neither a test run nor `npm run up` leaves strays behind.
 */
import { spawn } from "node:child_process"
import type { ChildProcess, SpawnOptions } from "node:child_process"
import { closeSync, openSync, readFileSync } from "node:fs"

/** Every child still running, with the signal that ends it at once if we exit first. */
const live = new Map<ChildProcess, NodeJS.Signals>()

process.once("exit", () => {
  for (const [child, signal] of live) child.kill(signal)
})

export interface Started {
  readonly child: ChildProcess
  readonly logFile: string
}

export const start = (
  command: string,
  args: ReadonlyArray<string>,
  logFile: string,
  options: Pick<SpawnOptions, "uid" | "gid" | "env" | "cwd"> & {
    /** Sent if this process exits while the child still runs (PostgreSQL wants SIGQUIT). */
    readonly exitSignal?: NodeJS.Signals
  } = {}
): Started => {
  const { exitSignal = "SIGKILL", ...spawnOptions } = options
  const log = openSync(logFile, "a")
  // A process group of its own: Ctrl-C in the terminal reaches only us, and we stop
  // children in order (services before the servers they depend on).
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ["ignore", log, log] })
  closeSync(log)
  live.set(child, exitSignal)
  child.once("exit", () => live.delete(child))
  return { child, logFile }
}

/** Signal the process and wait for it to exit; escalate to SIGKILL after `graceMs`. */
export const stop = (child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })

export const tail = (logFile: string, lines = 20): string => {
  try {
    return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

/** Poll `probe` until it returns true; fail with the server's log tail at the deadline. */
export const waitUntil = async (
  what: string,
  probe: () => Promise<boolean>,
  started: Started,
  timeoutMs = 30_000
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) {
      throw new Error(`${what} exited with code ${started.child.exitCode}:\n${tail(started.logFile)}`)
    }
    if (await probe().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms:\n${tail(started.logFile)}`)
}

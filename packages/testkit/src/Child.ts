/**
 * Runs a command to completion and collects what it printed, without blocking the event loop.
 *
 * Tests use this rather than spawnSync: a file of synchronous runs blocks the vitest worker's
 * event loop for their sum (over 60 s on a loaded machine), and the worker then times out its
 * own calls to the main process ("Timeout calling onTaskUpdate"), which fails the whole run.
 */
import { spawn } from "node:child_process"
import type { SpawnOptions } from "node:child_process"

export interface Result {
  /** The exit code; null when a signal ended the child. */
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** `env` is this process's own when absent; `uid` and `gid` run the child as another user. */
export interface RunOptions extends Pick<SpawnOptions, "cwd" | "env" | "uid" | "gid"> {
  /** Past this the child is killed and the run fails (with what it printed so far). */
  readonly timeoutMs?: number
}

const tail = (text: string, lines = 20) => text.trimEnd().split("\n").slice(-lines).join("\n")

/**
 * Resolves when the child exits, whatever its exit code: the caller asserts on it.
 * Rejects when the command cannot be started, or is still running at the deadline.
 */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  { timeoutMs = 30_000, ...spawnOptions }: RunOptions = {}
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(
        `${[command, ...args].join(" ")} was still running after ${timeoutMs} ms\n` +
          `stdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`
      ))
    }, timeoutMs)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // "close", not "exit": by then stdout and stderr are read to their end.
    child.once("close", (status, signal) => {
      clearTimeout(timer)
      resolve({ status, signal, stdout, stderr })
    })
  })

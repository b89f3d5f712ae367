/**
 * A sink as a child process, so that how it ends is the process' own: its exit code and
 * what it wrote to stderr, as an orchestrator sees them.
 */
import { spawn } from "node:child_process"
import { Ports } from "@tributary/testkit/servers"
import { Effect } from "effect"
import type { Scope } from "effect"
import type * as Harness from "../Harness.js"

/** The real service, and the same service with a bug planted in its writer. */
export const MAIN = "services/sink/src/main.ts"
export const DEFECTIVE_MAIN = "test/sink/support/DefectiveSink.ts"

export interface SinkProcess {
  readonly port: number
  /** Everything it logged, stdout and stderr. */
  readonly output: () => string
  /** Its exit code once it has exited, else undefined. */
  readonly exitCode: () => number | null | undefined
  readonly readyz: Effect.Effect<number>
  /** SIGTERM, as an orchestrator stops it; its exit code. */
  readonly terminate: Effect.Effect<number | null>
}

export const start = (
  env: Harness.Env,
  options: { readonly main?: string; readonly env?: Record<string, string> } = {}
): Effect.Effect<SinkProcess, never, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* Effect.promise(() => Ports.freePort())
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", "tsx", options.main ?? MAIN], {
          env: {
            ...process.env,
            TRIBUTARY_NATS_URL: env.natsUrl,
            TRIBUTARY_NAMESPACE: env.ns.root,
            TRIBUTARY_POSTGRES_URL: env.postgresUrl,
            TRIBUTARY_SINK_PORT: String(port),
            // What a crashed sink held comes back to the next one after this long.
            TRIBUTARY_SINK_ACK_WAIT_MS: "1000",
            TRIBUTARY_LOG_LEVEL: "info",
            ...options.env
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.promise(() =>
          child.exitCode !== null || child.signalCode !== null
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
              child.once("exit", () => resolve())
              child.kill("SIGTERM")
            })
        )
    )
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    let exitCode: number | null | undefined
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => {
        exitCode = code
        resolve(code)
      }))
    return {
      port,
      output: () => output,
      exitCode: () => exitCode,
      readyz: Effect.promise(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)),
      terminate: Effect.promise(() => {
        if (exitCode === undefined) child.kill("SIGTERM")
        return exited
      })
    }
  })

/**
 * A part of the local stack that `npm run up` starts after NATS and Postgres: the
 * emulator, a service, the demo data. Each adds what it offers to `up.json`.
 */
import type { ChildProcess } from "node:child_process"

export interface Context {
  /** `./.tributary`. */
  readonly home: string
  readonly natsUrl: string
  readonly postgresUrl: string
  /** Every `up.json` entry written so far (earlier components' URLs and tokens). */
  readonly published: Readonly<Record<string, unknown>>
  /** The key that encrypts API keys and signs tokens, stable across runs. */
  readonly secretKey: string
  /** Start a long-running process; its output goes to `.tributary/logs/<name>.log`. */
  readonly spawn: (name: string, command: string, args: ReadonlyArray<string>, env: Record<string, string>) => ChildProcess
}

export interface Started {
  /** Entries for `up.json`. */
  readonly published: Record<string, unknown>
  /** Variables for `.tributary/env`, for the CLI to reach what this component started. */
  readonly cliEnv?: Record<string, string>
  /** One line for the summary printed at the end. */
  readonly summary: string
  readonly stop?: () => Promise<void>
}

export interface Component {
  readonly name: string
  readonly start: (context: Context) => Promise<Started>
}

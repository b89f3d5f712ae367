/**
 * A process started with nothing but the configuration a test gives it (and PATH), for what
 * start-up does with bad configuration: every service and the CLI refuse it the same way.
 */
import { expect } from "vitest"
import * as Child from "./Child.js"

/** Runs `main` (a service's `main.ts`, or the CLI's, with `args`) under tsx. */
export const run = (main: string, env: Record<string, string>, ...args: ReadonlyArray<string>): Promise<Child.Result> =>
  Child.run(process.execPath, ["--import", "tsx", main, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    timeoutMs: 50_000
  })

/**
 * The refusal of bad configuration: exit 1, one `invalid configuration:` message that names
 * every variable in `variables` (without their `TRIBUTARY_` prefix), and none of `secrets`.
 */
export const expectRefused = (
  result: Child.Result,
  variables: ReadonlyArray<string>,
  secrets: ReadonlyArray<string> = [],
  /** 1, or the code the command exits with when it cannot run (`verify`: 2). */
  exitCode = 1
): void => {
  expect(result.status, result.stderr).toBe(exitCode)
  expect(result.stderr).toMatch(/^invalid configuration: /)
  expect(result.stderr.split("invalid configuration").length, result.stderr).toBe(2)
  for (const name of variables) expect(result.stderr).toContain(`TRIBUTARY_${name}`)
  for (const secret of secrets) expect(result.stderr).not.toContain(secret)
}

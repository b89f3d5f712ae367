/**
 * The `tributary` command run as a child process against the tests' real NATS and Postgres, in
 * a namespace of the test's own, and what a refusal of it looks like.
 */
import { Child, Fixtures } from "@tributary/testkit"
import { expect } from "vitest"

export const SECRET_KEY = "a-secret-key-of-at-least-32-characters-for-tests"

/**
 * Runs the CLI as a child process, asynchronously (see Child.run for why not spawnSync), in
 * namespace `ns` with `env` over the test's settings; killed and failed past `timeoutMs`.
 */
export const run = (ns: string, env: Record<string, string>, args: ReadonlyArray<string>, timeoutMs = 60_000): Promise<Child.Result> =>
  Child.run(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      TRIBUTARY_NATS_URL: Fixtures.natsUrl(),
      TRIBUTARY_NAMESPACE: ns,
      TRIBUTARY_SECRET_KEY: SECRET_KEY,
      TRIBUTARY_POSTGRES_URL: Fixtures.postgresUrl(),
      ...env
    },
    timeoutMs
  })

/** One line on stderr starting `error: `, exit code 1, and no stack frames. */
export const expectRefusal = (result: Child.Result, ...mentions: ReadonlyArray<string>) =>
  expectRefusalWithCode(1, result, ...mentions)

/** A refusal of `verify`, which exits 2 when it cannot compare (1 means a difference). */
export const expectVerifyRefusal = (result: Child.Result, ...mentions: ReadonlyArray<string>) =>
  expectRefusalWithCode(2, result, ...mentions)

export const expectRefusalWithCode = (code: number, result: Child.Result, ...mentions: ReadonlyArray<string>) => {
  expect(result.status, result.stderr).toBe(code)
  expect(result.stderr.trim().split("\n"), result.stderr).toHaveLength(1)
  expect(result.stderr).toMatch(/^error: /)
  expect(result.stderr).not.toMatch(/\n\s+at /)
  for (const mention of mentions) expect(result.stderr).toContain(mention)
}

/** Exit 0, or the test fails with what the command printed. */
export const expectSuccess = (result: Child.Result): Child.Result => {
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
  return result
}

/**
 * `tributary --help` is what a newcomer reads first: it must fit an 80-column terminal and
 * name each command once. The help of a group (`tributary syncs --help`) follows the same
 * rules, and a command's own `--help` still lists its options.
 */
import { Child } from "@tributary/testkit"
import { describe, expect, it } from "vitest"

/** Runs the CLI as a child process, asynchronously (see Child.run for why not spawnSync). */
const tributary = (...args: ReadonlyArray<string>): Promise<Child.Result> =>
  Child.run(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", ...args], {
    env: { PATH: process.env.PATH ?? "" },
    timeoutMs: 60_000
  })

// eslint-disable-next-line no-control-regex
const withoutAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "")

/** The help's lines that a terminal of `columns` would wrap. */
const tooWide = (help: string, columns: number) => withoutAnsi(help).split("\n").filter((line) => line.length > columns)

/** Lines that say a word twice in a row, as in `proxy proxy credentials create`. */
const doubled = (help: string) => withoutAnsi(help).split("\n").filter((line) => /\b([a-z]+) \1\b/.test(line))

/** How many lines start with `command` (after the indent) and then its description. */
const listings = (help: string, command: string) =>
  withoutAnsi(help).split("\n").filter((line) => line.trimStart().startsWith(`${command}  `) || line.trim() === command).length

const help = (result: Child.Result) => {
  expect(result.status, result.stderr).toBe(0)
  return result.stdout
}

describe("tributary --help", () => {
  it("fits 80 columns and names each command once, with the words before it once", async () => {
    const [flag, bare] = await Promise.all([tributary("--help"), tributary()])
    for (const root of [help(flag), help(bare)]) {
      expect(tooWide(root, 80)).toEqual([])
      expect(doubled(root)).toEqual([])
      for (
        const command of [
          "provision",
          "verify",
          "emulator",
          "syncs create",
          "syncs list",
          "syncs pause",
          "syncs resume",
          "syncs delete",
          "proxy credentials create",
          "proxy credentials rotate",
          "proxy credentials list",
          "proxy credentials revoke",
          "tokens create",
          "tokens list",
          "tokens revoke"
        ]
      ) expect(listings(root, command), command).toBe(1)
      expect(root).toContain("--help")
    }
  })

  it("of a group fits 80 columns and lists the group's commands", async () => {
    const [syncs, proxy, credentials, tokens] = await Promise.all([
      tributary("syncs", "--help"),
      tributary("proxy", "--help"),
      tributary("proxy", "credentials", "-h"),
      tributary("tokens", "--help")
    ])
    for (const [result, commands] of [
      [syncs, ["syncs create", "syncs list", "syncs delete"]],
      [proxy, ["proxy credentials create", "proxy credentials revoke"]],
      [credentials, ["proxy credentials create", "proxy credentials revoke"]],
      [tokens, ["tokens create", "tokens revoke"]]
    ] as const) {
      const text = help(result)
      expect(tooWide(text, 80)).toEqual([])
      expect(doubled(text)).toEqual([])
      for (const command of commands) expect(listings(text, command), command).toBe(1)
      expect(listings(text, "provision")).toBe(0)
    }
  })

  it("of a command still lists its options", async () => {
    const [create, credentials] = await Promise.all([
      tributary("syncs", "create", "--help"),
      tributary("proxy", "credentials", "create", "--help")
    ])
    for (const option of ["--api-key", "--collections", "--quota", "--share"]) expect(help(create)).toContain(option)
    // @effect/cli says only "can be set from environment variables": the description names it.
    expect(help(create)).toContain("TRIBUTARY_SYNC_API_KEY")
    for (const option of ["--sync", "--name", "--host"]) expect(help(credentials)).toContain(option)
  })

  it("of a command starts its usage with the whole command and fits 80 columns", async () => {
    const [create, credentials, pause, verify, tokens] = await Promise.all([
      tributary("syncs", "create", "--help"),
      tributary("proxy", "credentials", "create", "--help"),
      tributary("syncs", "pause", "-h"),
      tributary("verify", "--help"),
      tributary("tokens", "create", "--name", "ci", "--help")
    ])
    for (const [result, command] of [
      [create, "tributary syncs create"],
      [credentials, "tributary proxy credentials create"],
      [pause, "tributary syncs pause"],
      [verify, "tributary verify"],
      [tokens, "tributary tokens create"]
    ] as const) {
      const text = help(result)
      const lines = withoutAnsi(text).split("\n")
      const usage = lines.indexOf("USAGE")
      expect(usage, text).toBeGreaterThanOrEqual(0)
      expect(lines[usage + 1]?.trim().startsWith(`${command} `) || lines[usage + 1]?.trim() === command, text).toBe(true)
      expect(text).not.toContain("$ ")
      expect(tooWide(text, 80)).toEqual([])
      expect(doubled(text)).toEqual([])
    }
    expect(help(pause)).toContain("<sync>")
    expect(help(verify)).toContain("--expected")
  })

  it("of the emulator names the emulators and where their options are, in 80 columns", async () => {
    const [emulator, stripe] = await Promise.all([tributary("emulator", "--help"), tributary("emulator", "stripe", "--help")])
    expect(help(emulator)).toContain("tributary emulator stripe --help")
    for (const option of ["--port", "--seed", "--customers"]) expect(help(stripe)).toContain(option)
    for (const text of [help(emulator), help(stripe)]) expect(tooWide(text, 80)).toEqual([])
  })
})

/**
 * The `tributary` command refuses bad input with one line that names the option and what
 * it takes, and exits 1: never a stack trace, never a NATS error about an invalid key.
 */
import type { Child } from "@tributary/testkit"
import { Fixtures, Ports } from "@tributary/testkit"
import { beforeAll, describe, expect, it } from "vitest"
import * as Cli from "./support/Cli.js"

const ns = Fixtures.uniqueName("cli")

const runCli = (env: Record<string, string>, args: ReadonlyArray<string>, timeoutMs: number): Promise<Child.Result> =>
  Cli.run(ns, env, args, timeoutMs)
const tributaryWith = (env: Record<string, string>, ...args: ReadonlyArray<string>) => runCli(env, args, 60_000)
const tributary = (...args: ReadonlyArray<string>) => tributaryWith({}, ...args)
const expectRefusal = Cli.expectRefusal
const expectVerifyRefusal = Cli.expectVerifyRefusal
const expectRefusalWithCode = Cli.expectRefusalWithCode

beforeAll(async () => {
  expect((await tributary("provision")).status).toBe(0)
  expect((await tributary("syncs", "create", "--api-key", "sk_test_cli", "--id", "cli_sync")).status).toBe(0)
}, 120_000)

describe("tributary, given bad input", () => {
  it("syncs create: an id that is not a sync id names --id", async () => {
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--id", "a.b"), "--id", "letters, digits")
  })

  it("syncs create: a source without a connector names --source and the sources there are", async () => {
    const result = await tributary("syncs", "create", "--api-key", "sk_test_cli", "--source", "github", "--id", "github_sync")
    expectRefusal(result, "--source", "stripe", "github")
    const listed = await tributary("syncs", "list")
    expect(listed.status).toBe(0)
    expect(listed.stdout).not.toContain("github_sync")
  })

  it("syncs create: a bad --api-base-url or --collections is named by its option, not by the stored field", async () => {
    const url = await tributary("syncs", "create", "--api-key", "sk_test_cli", "--api-base-url", "notaurl")
    expectRefusal(url, "--api-base-url", "http://")
    expect(url.stderr).not.toContain("api_base_url")
    const collections = await tributary("syncs", "create", "--api-key", "sk_test_cli", "--collections", "stripe:customer,stripe:nope")
    expectRefusal(collections, "--collections", "stripe:nope", "stripe:invoice")
    expect(collections.stderr).not.toContain("collections[")
    expectRefusal(
      await tributary("syncs", "create", "--api-key", "sk_test_cli", "--collections", "stripe:customer,stripe:customer"),
      "--collections",
      "named twice"
    )
  })

  it("syncs create: a --collections entry that is not a collection id names --collections", async () => {
    expectRefusal(
      await tributary("syncs", "create", "--api-key", "sk_test_cli", "--collections", "stripe:customer,bogus"),
      "--collections",
      "stripe:customer"
    )
  })

  it("syncs create: --metadata that is not a JSON object, or a --delete-mode that is none, names the option", async () => {
    for (const metadata of ["{bad", "[1,2]", "null", "7", ""]) {
      expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--metadata", metadata), "--metadata", "JSON object")
    }
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--delete-mode", "purge"), "--delete-mode", "soft, hard")
  })

  it("syncs pause, resume and delete: a sync argument that is not a sync id names <sync>", async () => {
    for (const verb of ["pause", "resume", "delete"]) {
      expectRefusal(await tributary("syncs", verb, "a.b"), "error: <sync>: ", "letters, digits")
    }
  })

  it("syncs create: a share or quota out of range names the option", async () => {
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--share", "2"), "--share", "1")
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--quota", "0"), "--quota", "positive")
  })

  it("proxy credentials: a name that cannot be a credential says what a name takes", async () => {
    expectRefusal(await tributary("proxy", "credentials", "create", "--sync", "cli_sync", "--name", "Bad Name"), "name", "lower-case")
    expectRefusal(await tributary("proxy", "credentials", "rotate", "--sync", "cli_sync", "--name", "Bad Name"), "name", "lower-case")
  })

  it("provision: a replica count JetStream does not take names --replicas and the range", async () => {
    expectRefusal(await tributary("provision", "--replicas", "0"), "--replicas", "1 to 5")
    expectRefusal(await tributary("provision", "--replicas", "-1"), "--replicas", "1 to 5")
    expectRefusal(await tributary("provision", "--replicas", "7"), "--replicas", "1 to 5")
  })

  it("proxy credentials rotate: a credential that does not exist says to create it", async () => {
    expectRefusal(await tributary("proxy", "credentials", "rotate", "--sync", "cli_sync", "--name", "app"), "app.cli_sync", "create it first")
  })

  it("proxy credentials revoke: a user that cannot be a credential names <user> and what a user is", async () => {
    for (const user of ["a.b.c", "Bad.cli_sync", "cli_sync"]) {
      expectRefusal(await tributary("proxy", "credentials", "revoke", user), "error: <user>: ", "<name>.<sync id>")
    }
  })

  it("proxy credentials: a --sync that is not a sync id names --sync", async () => {
    expectRefusal(await tributary("proxy", "credentials", "list", "--sync", "a.b"), "--sync", "letters, digits")
    expectRefusal(await tributary("proxy", "credentials", "create", "--sync", "a.b"), "--sync", "letters, digits")
  })

  it("verify: a --sync that is not a sync id names --sync", async () => {
    expectVerifyRefusal(await tributary("verify", "--sync", "a.b"), "--sync", "letters, digits")
  })

  it("verify: an --emulator-url that is not an http(s) URL names --emulator-url (it was a TypeError and its stack)", async () => {
    for (const url of ["notaurl", "ftp://127.0.0.1:12111"]) {
      expectVerifyRefusal(await tributary("verify", "--sync", "cli_sync", "--emulator-url", url), "--emulator-url", "http")
    }
  })
})

describe("tributary, given bad values and no NATS to connect to", () => {
  // Each value is refused while the command line is parsed, before any connection: neither a
  // NATS error nor the connect timeout comes first. The deadline leaves room for tsx's start-up.
  it("refuses each value at once, naming its option or argument", async () => {
    const nowhere = { TRIBUTARY_NATS_URL: `nats://127.0.0.1:${await Ports.freePort()}` }
    const deadlineMs = 15_000
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, ...Array<string>]> = [
      [["syncs", "create", "--api-key", "k", "--id", "a.b"], "--id", "letters, digits"],
      [["syncs", "create", "--api-key", "k", "--source", "github"], "--source", "stripe"],
      [["syncs", "create", "--api-key", "k", "--collections", "bogus"], "--collections", "stripe:customer"],
      [["syncs", "create", "--api-key", "k", "--collections", "stripe:nope"], "--collections", "stripe:invoice"],
      [["syncs", "create", "--api-key", "k", "--api-base-url", "notaurl"], "--api-base-url", "http://"],
      [["syncs", "create", "--api-key", " "], "--api-key", "empty"],
      [["syncs", "create", "--api-key", "k", "--share", "2"], "--share"],
      [["syncs", "create", "--api-key", "k", "--quota", "0"], "--quota", "positive"],
      [["syncs", "pause", "a.b"], "error: <sync>: ", "letters, digits"],
      [["syncs", "delete", "a.b"], "error: <sync>: ", "letters, digits"],
      [["proxy", "credentials", "list", "--sync", "a.b"], "--sync", "letters, digits"],
      [["proxy", "credentials", "revoke", "a.b.c"], "error: <user>: ", "<name>.<sync id>"],
      [["proxy", "credentials", "create", "--sync", "cli_sync", "--name", "Bad Name"], "--name", "lower-case"],
      [["verify", "--sync", "a.b"], "--sync", "letters, digits"],
      [["verify", "--sync", "cli_sync", "--emulator-url", "notaurl"], "--emulator-url", "http://"],
      [["provision", "--replicas", "9"], "--replicas", "1 to 5"]
    ]
    for (const [args, ...mentions] of cases) {
      const result = await runCli(nowhere, args, deadlineMs)
      expectRefusalWithCode(args[0] === "verify" ? 2 : 1, result, ...mentions)
      expect(result.stderr, args.join(" ")).not.toMatch(/NATS/i)
    }
  }, 240_000)

  it("names several bad values together, on one line", async () => {
    const nowhere = { TRIBUTARY_NATS_URL: `nats://127.0.0.1:${await Ports.freePort()}` }
    const args = ["syncs", "create", "--api-key", "k", "--id", "a.b", "--share", "2", "--source", "github"]
    const result = await runCli(nowhere, args, 15_000)
    expectRefusal(result, "--source", "--id", "--share")
  })
})

describe("tributary, given what the command-line parser refuses", () => {
  it("a value that is not an integer, a number or one of the choices names its option", async () => {
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--quota", "abc"), "--quota", "'abc'", "integer")
    expectRefusal(await tributary("provision", "--replicas", "1.5"), "--replicas", "'1.5'", "integer")
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--share", "half"), "--share", "'half'", "number")
    expectVerifyRefusal(
      await tributary("verify", "--sync", "cli_sync", "--expected", "bogus"),
      "--expected",
      "'bogus'",
      "auto, emulator, api"
    )
  })

  it("two bad values are named together, on one line", async () => {
    const result = await tributary("syncs", "create", "--api-key", "sk_test_cli", "--quota", "abc", "--share", "half")
    expectRefusal(result, "--quota", "--share")
  })

  it("a missing --api-key names it and the variable it may come from", async () => {
    expectRefusal(await tributary("syncs", "create"), "--api-key", "TRIBUTARY_SYNC_API_KEY")
    // @effect/cli runs the command again without --log-level: refused once all the same.
    expectRefusal(await tributary("syncs", "create", "--log-level", "debug"), "--api-key", "TRIBUTARY_SYNC_API_KEY")
    const fromEnv = await tributaryWith({ TRIBUTARY_SYNC_API_KEY: "sk_test_env" }, "syncs", "create", "--id", "env_key_sync")
    expect(fromEnv.status, fromEnv.stderr).toBe(0)
  })

  it("a missing option or argument is named", async () => {
    // In the CLI's words, as any refusal: not @effect/cli's "Expected to find option: '--sync'".
    expect((await tributary("verify")).stderr.trim()).toBe("error: --sync: required")
    expect((await tributary("proxy", "credentials", "create", "--name", "app")).stderr.trim()).toBe("error: --sync: required")
    expect((await tributary("verify", "--sync")).stderr.trim()).toBe("error: --sync: needs a value")
    expectVerifyRefusal(await tributary("verify"), "--sync")
    expectRefusal(await tributary("syncs", "pause"), "<sync>")
    // And an argument the same way: not @effect/cli's "Missing argument <sync>".
    expect((await tributary("syncs", "pause")).stderr.trim()).toBe("error: <sync>: required")
    expect((await tributary("proxy", "credentials", "revoke")).stderr.trim()).toBe("error: <user>: required")
  })

  it("an option without its value, an unknown option and an extra argument are named", async () => {
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--quota"), "--quota", "value")
    // Not @effect/cli's "Expected a value following option: '--api-key'", whatever else is missing.
    expect((await tributary("syncs", "create", "--api-key")).stderr.trim()).toBe("error: --api-key: needs a value")
    expect((await tributary("syncs", "create", "--id", "x", "--quota")).stderr.trim()).toBe("error: --quota: needs a value")
    expectRefusal(await tributary("syncs", "create", "--api-key", "sk_test_cli", "--bogus", "1"), "--bogus", "syncs create --help")
    // `--option=` is the option with an empty value, refused as that (not "the flag '--api-key=' is not recognized").
    expect((await tributary("syncs", "create", "--api-key=")).stderr.trim()).toBe("error: --api-key: must not be empty")
    expectRefusal(await tributary("tokens", "create", "--name="), "--name", "must not be empty")
    expectRefusal(await tributary("syncs", "pause", "cli_sync", "extra"), "'extra'")
  })

  it("an unknown command names its group and lists the group's commands", async () => {
    const syncs = await tributary("syncs", "nosuch")
    expectRefusal(syncs, "syncs", "'nosuch'", "create", "list", "pause", "resume", "delete")
    expect(syncs.stderr).not.toContain("provision")
    const credentials = await tributary("proxy", "credentials", "nosuch")
    expectRefusal(credentials, "proxy credentials", "'nosuch'", "create", "rotate", "list", "revoke")
    expect(credentials.stderr).not.toContain("syncs")
    expectRefusal(await tributary("nosuch"), "tributary", "'nosuch'", "syncs", "provision")
  })

  it("tokens create: an empty or blank --name is refused and creates no token", async () => {
    const before = await tributary("tokens", "list")
    expect(before.status, before.stderr).toBe(0)
    expectRefusal(await tributary("tokens", "create", "--name", ""), "--name", "empty")
    expectRefusal(await tributary("tokens", "create", "--name", "   "), "--name", "empty")
    const after = await tributary("tokens", "list")
    expect(after.stdout).toBe(before.stdout)
  })
})

describe("tributary proxy credentials create", () => {
  // `npm run up` exports it in .tributary/env: its proxy is on another port when 5434 is taken.
  it("prints a url with the proxy address of TRIBUTARY_PROXY_ADDRESS, 127.0.0.1:5434 without it", async () => {
    const elsewhere = await tributaryWith({ TRIBUTARY_PROXY_ADDRESS: "127.0.0.1:6543" }, "proxy", "credentials", "create", "--sync", "cli_sync")
    expect(elsewhere.status, elsewhere.stderr).toBe(0)
    expect(elsewhere.stdout).toMatch(/^url\s+postgres:\/\/app\.cli_sync:[^@]+@127\.0\.0\.1:6543\/tributary$/m)
    const byDefault = await tributary("proxy", "credentials", "create", "--sync", "cli_sync")
    expect(byDefault.stdout).toMatch(/@127\.0\.0\.1:5434\/tributary$/m)
  })

  it("prints a url that parses as what it was given: the database name encoded", async () => {
    const spaced = await tributary("proxy", "credentials", "create", "--sync", "cli_sync", "--database", "my db/x")
    expect(spaced.status, spaced.stderr).toBe(0)
    const url = new URL(/^url\s+(\S+)$/m.exec(spaced.stdout)?.[1] ?? "")
    expect(decodeURIComponent(url.pathname.slice(1))).toBe("my db/x")
    expect(url.host).toBe("127.0.0.1:5434")
  })

  it("refuses a --host (or TRIBUTARY_PROXY_ADDRESS) that is no host[:port], before anything is issued", async () => {
    for (const host of ["", "two words", "user@host:5434", "host/db"]) {
      expectRefusal(await tributary("proxy", "credentials", "create", "--sync", "cli_sync", "--name", "hosted", "--host", host), "--host", "host:port")
    }
    expectRefusal(await tributaryWith({ TRIBUTARY_PROXY_ADDRESS: "a b" }, "proxy", "credentials", "rotate", "--sync", "cli_sync"), "--host", "TRIBUTARY_PROXY_ADDRESS")
    expect((await tributary("proxy", "credentials", "list", "--sync", "cli_sync")).stdout).not.toContain("hosted.cli_sync")
  })
})

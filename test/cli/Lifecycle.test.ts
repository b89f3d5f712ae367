/**
 * What an operator does with syncs, tokens and proxy credentials over time, as the commands
 * they are: what each says when there is nothing, when a thing is gone, and before the
 * namespace is provisioned.
 */
import { Ids, Namespace, Nats, SyncStore } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Cli from "./support/Cli.js"

const ns = Fixtures.uniqueName("clilife")
const tributary = (...args: ReadonlyArray<string>) => Cli.run(ns, {}, args)

beforeAll(async () => {
  Cli.expectSuccess(await tributary("provision"))
}, 120_000)

/** The sync's stored config, read as the sync service reads it. */
const storedSync = (id: string) =>
  Effect.runPromise(SyncStore.get(Ids.SyncId.make(id)).pipe(
    Effect.provide(Nats.layer(Fixtures.natsSettings(Namespace.make(ns)), "cli-test"))
  ))

describe("tributary syncs create", () => {
  it("stores --metadata (a JSON object) and --delete-mode, as POST /v1/syncs takes them", async () => {
    Cli.expectSuccess(await tributary(
      "syncs", "create", "--api-key", "sk_test_life", "--id", "described",
      "--metadata", `{"team":"billing","tier":2}`, "--delete-mode", "hard", "--external-id", "acct-42"
    ))
    const stored = await storedSync("described")
    expect(stored.metadata).toStrictEqual({ team: "billing", tier: 2 })
    expect(stored.delete_mode).toBe("hard")
    expect(stored.external_id).toBe("acct-42")
    Cli.expectSuccess(await tributary("syncs", "create", "--api-key", "sk_test_life", "--id", "plain"))
    const plain = await storedSync("plain")
    expect(plain.metadata).toStrictEqual({})
    expect(plain.delete_mode).toBe("soft")
  })
})

describe("tributary syncs list", () => {
  it("keeps its columns aligned under the header when a sync id is longer than the column (proxy credentials list too)", async () => {
    const long = "a_sync_id_much_longer_than_the_twenty_six_of_the_column"
    Cli.expectSuccess(await tributary("syncs", "create", "--api-key", "sk_test_life", "--id", long))
    const lines = Cli.expectSuccess(await tributary("syncs", "list")).stdout.trimEnd().split("\n")
    const [header = "", ...rows] = lines
    for (const column of ["SOURCE", "STATE", "PHASE"]) {
      const at = header.indexOf(column)
      for (const row of rows) expect(row.slice(at).split(/\s+/)[0], `${column} of ${row}`).toMatch(/^(stripe|active|paused|-|pending)$/)
    }
    expect(rows.some((row) => row.startsWith(`${long} `))).toBe(true)

    // proxy credentials list the same way: its "created" column in one place, however long the user.
    Cli.expectSuccess(await tributary("proxy", "credentials", "create", "--sync", long, "--name", "a_long_credential_name"))
    Cli.expectSuccess(await tributary("proxy", "credentials", "create", "--sync", long, "--name", "app"))
    const credentials = Cli.expectSuccess(await tributary("proxy", "credentials", "list", "--sync", long)).stdout.trimEnd().split("\n")
    expect(credentials).toHaveLength(2)
    expect(new Set(credentials.map((line) => line.indexOf(" created ")))).toHaveLength(1)
  })
})

describe("tributary syncs delete", () => {
  it("removes the sync's proxy credentials: a sync created again under its id does not take the old ones", async () => {
    Cli.expectSuccess(await tributary("syncs", "create", "--api-key", "sk_test_life", "--id", "reused"))
    Cli.expectSuccess(await tributary("proxy", "credentials", "create", "--sync", "reused", "--name", "app"))
    Cli.expectSuccess(await tributary("proxy", "credentials", "create", "--sync", "reused", "--name", "ops"))
    Cli.expectSuccess(await tributary("syncs", "create", "--api-key", "sk_test_life", "--id", "kept"))
    Cli.expectSuccess(await tributary("proxy", "credentials", "create", "--sync", "kept", "--name", "app"))

    Cli.expectSuccess(await tributary("syncs", "delete", "reused"))
    const listed = Cli.expectSuccess(await tributary("proxy", "credentials", "list")).stdout
    expect(listed).not.toContain("reused")
    expect(listed).toContain("app.kept")
    Cli.expectRefusal(await tributary("proxy", "credentials", "revoke", "app.reused"), "app.reused")

    // Another account's sync under the same id: the deleted sync's passwords must not open it.
    Cli.expectSuccess(await tributary("syncs", "create", "--api-key", "sk_test_other", "--id", "reused"))
    expect(Cli.expectSuccess(await tributary("proxy", "credentials", "list", "--sync", "reused")).stdout.trim()).toBe("no proxy credentials")
  })
})

describe("tributary tokens", () => {
  it("list says when there are none, lists a token by id and name but never the token, and revoke refuses one gone", async () => {
    const own = Fixtures.uniqueName("clitok")
    const tokens = (...args: ReadonlyArray<string>) => Cli.run(own, {}, args)
    Cli.expectSuccess(await tokens("provision"))
    expect(Cli.expectSuccess(await tokens("tokens", "list")).stdout.trim()).toBe("no tokens")
    const token = Cli.expectSuccess(await tokens("tokens", "create", "--name", "worker")).stdout.trim()
    const listed = Cli.expectSuccess(await tokens("tokens", "list")).stdout
    expect(listed).toContain("worker")
    expect(listed).not.toContain(token)
    Cli.expectSuccess(await tokens("tokens", "revoke", "worker"))
    Cli.expectRefusal(await tokens("tokens", "revoke", "worker"), "worker")
    expect(Cli.expectSuccess(await tokens("tokens", "list")).stdout.trim()).toBe("no tokens")
  })
})

describe("tributary, in a namespace never provisioned", () => {
  it("says to run tributary provision, whichever command it is", async () => {
    const bare = Fixtures.uniqueName("clibare")
    for (const args of [["syncs", "list"], ["syncs", "pause", "s1"], ["tokens", "list"], ["proxy", "credentials", "create", "--sync", "s1"]]) {
      Cli.expectRefusal(await Cli.run(bare, {}, args), "tributary provision", "TRIBUTARY_NAMESPACE")
    }
  })
})

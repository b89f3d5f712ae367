import { describe, expect, it } from "vitest"
import { helpSections } from "../src/Cli.js"
import * as CommandHelp from "../src/internal/CommandHelp.js"
import * as CommandLine from "../src/internal/CommandLine.js"

const app = { name: "tributary", version: "0", description: "" }
const entries = helpSections.flatMap((section) => section.entries)

describe("the command line", () => {
  it("leads to a command, whatever follows it, or to a group and its commands", () => {
    const pause = CommandLine.locate(helpSections, ["syncs", "pause", "create"])
    expect(pause.entry?.words).toEqual(["syncs", "pause"])
    expect(pause.rest).toEqual(["create"])
    expect(CommandLine.unknownCommand(app, pause)).toBeUndefined()

    const group = CommandLine.locate(helpSections, ["proxy", "credentials", "nosuch", "--sync", "x"])
    expect(group.entry).toBeUndefined()
    expect(group.words).toEqual(["proxy", "credentials"])
    expect(group.commands).toEqual(["create", "rotate", "list", "revoke"])
    expect(CommandLine.unknownCommand(app, group)?.message).toBe(
      "proxy credentials: no command 'nosuch'; its commands: create, rotate, list, revoke (tributary proxy credentials --help)"
    )
    // A flag after a group is @effect/cli's to read (`tributary --version`).
    expect(CommandLine.unknownCommand(app, CommandLine.locate(helpSections, ["--version"]))).toBeUndefined()
  })

  it("names what is left over: an option without its value or given twice, an unknown option, an extra argument", () => {
    const at = (...args: Array<string>) => CommandLine.locate(helpSections, args)
    expect(CommandLine.leftover(app, at("syncs", "create", "--quota"), ["--quota"]).message).toBe("--quota: needs a value")
    expect(CommandLine.leftover(app, at("tokens", "create", "--name", "a", "--name", "b"), ["--name", "b"]).message)
      .toBe("--name: given more than once")
    expect(CommandLine.leftover(app, at("syncs", "list", "--all"), ["--all"]).message).toContain("--all: not an option of tributary syncs list")
    expect(CommandLine.leftover(app, at("syncs", "pause", "a", "b"), ["b"]).message).toContain("unexpected argument 'b'")
  })

  it("names a required option the command line does not give, or gives without its value", () => {
    const at = (...args: Array<string>) => CommandLine.locate(helpSections, args)
    expect(CommandLine.missingOptions(at("verify"))?.message).toBe("--sync: required")
    expect(CommandLine.missingOptions(at("verify", "--expected", "auto"))?.message).toBe("--sync: required")
    expect(CommandLine.missingOptions(at("verify", "--sync"))?.message).toBe("--sync: needs a value")
    expect(CommandLine.missingOptions(at("verify", "--sync=cli_sync"))).toBeUndefined()
    // A missing argument is missingArgument's to name; an option with a fallback, Input.orEnv's.
    expect(CommandLine.missingOptions(at("syncs", "pause"))).toBeUndefined()
    expect(CommandLine.missingOptions(at("syncs", "create"))).toBeUndefined()
  })

  it("names any option that ends the line without its value, required or not", () => {
    const at = (...args: Array<string>) => CommandLine.locate(helpSections, args)
    expect(CommandLine.valueMissingAtEnd(at("syncs", "create", "--api-key"))?.message).toBe("--api-key: needs a value")
    expect(CommandLine.valueMissingAtEnd(at("syncs", "create", "--id", "x", "--quota"))?.message).toBe("--quota: needs a value")
    expect(CommandLine.valueMissingAtEnd(at("verify", "--sync", "s", "--json"))).toBeUndefined()
    expect(CommandLine.valueMissingAtEnd(at("syncs", "create", "--quota", "5"))).toBeUndefined()
  })

  it("names the required argument of a command that takes one", () => {
    const at = (...args: Array<string>) => CommandLine.locate(helpSections, args)
    expect(CommandLine.missingArgument(at("syncs", "pause"))?.message).toBe("<sync>: required")
    expect(CommandLine.missingArgument(at("proxy", "credentials", "revoke"))?.message).toBe("<user>: required")
    expect(CommandLine.missingArgument(at("syncs", "pause", "--log-level", "debug"))?.message).toBe("<sync>: required")
    expect(CommandLine.missingArgument(at("syncs", "pause", "cli_sync"))).toBeUndefined()
    expect(CommandLine.missingArgument(at("verify"))).toBeUndefined()
    expect(CommandLine.missingArgument(at("syncs", "create"))).toBeUndefined()
  })
})

describe("a command's help", () => {
  it("starts its usage with the whole command, describes every option and argument, and fits 80 columns", () => {
    for (const entry of entries.filter((e) => e.words[0] !== "emulator")) {
      const lines = CommandHelp.render(app, entry).split("\n")
      const name = entry.words.join(" ")
      expect(lines[lines.indexOf("USAGE") + 1]?.trim().split(" ").slice(0, entry.words.length + 1), name)
        .toEqual(["tributary", ...entry.words])
      expect(lines.filter((line) => line.length > 80), name).toEqual([])
      // A term with nothing after it, and nothing on the line below, has no description.
      const from = lines.findIndex((line) => line === "ARGUMENTS" || line === "OPTIONS")
      const listed = from < 0 ? [] : lines.slice(from)
      listed.forEach((line, i) => {
        if (/^ {2}\S/.test(line) && !/\S {2,}\S/.test(line)) expect(listed[i + 1] ?? "", `${name}: ${line}`).toMatch(/^ {4,}\S/)
      })
    }
  })
})

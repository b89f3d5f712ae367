import { CommandDescriptor } from "@effect/cli"
import { describe, expect, it } from "vitest"
import { helpSections, root } from "../src/Cli.js"
import { proxy } from "../src/commands/proxy.js"
import { syncs } from "../src/commands/syncs.js"
import { tokens } from "../src/commands/tokens.js"

const listed = helpSections.flatMap((section) => section.entries.map((entry) => entry.words))
const namesUnder = (command: { readonly descriptor: CommandDescriptor.Command<unknown> }) =>
  [...CommandDescriptor.getSubcommands(command.descriptor)].map(([name]) => name)

describe("tributary's help", () => {
  it("lists every command of the CLI, each with its description", () => {
    for (const name of namesUnder(root)) expect(listed.some((words) => words[0] === name), name).toBe(true)
    for (const [group, path] of [[syncs, ["syncs"]], [tokens, ["tokens"]]] as const) {
      const under = listed.filter((words) => words[0] === path[0]).map((words) => words[1])
      expect(under.sort()).toEqual(namesUnder(group).sort())
    }
    expect(namesUnder(proxy)).toEqual(["credentials"])
    for (const section of helpSections) {
      for (const entry of section.entries) expect(entry.description, entry.words.join(" ")).not.toBe("")
    }
  })
})

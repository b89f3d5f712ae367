/**
 * The help of one command (`tributary syncs create --help`): what it does, its usage from
 * `tributary` on, then its arguments and options, each on a line with its description, in 80
 * columns like the help of the CLI (Help.ts).
 *
 * Why not @effect/cli's (0.77): its usage line names only the command (`$ create …`, one line
 * of 200 columns for `syncs create`), each option takes four lines (the value's type, the
 * description, "This setting is optional."), and it lists its built-in options (`--wizard`,
 * `--log-level`, …) after every command's own.
 *
 * The usage, the options and their descriptions are the command's own, read from
 * @effect/cli's usage and help of it.
 */
import { CliConfig, CommandDescriptor, HelpDoc } from "@effect/cli"
import type { Usage } from "@effect/cli"
import { Option } from "effect"
import * as Help from "./Help.js"

/** The usage's words, each kept whole on a line (`[--quota integer]`). */
const termsOf = (usage: Usage.Usage): Array<string> => {
  switch (usage._tag) {
    case "Empty":
      return []
    case "Mixed":
      return ["<command>"]
    case "Named":
      return [[usage.names.join(", "), ...Option.toArray(usage.acceptedValues)].join(" ")]
    case "Optional": {
      // An option with both a fallback and a default is optional twice: one pair of brackets.
      if (usage.usage._tag === "Optional") return termsOf(usage.usage)
      const inner = termsOf(usage.usage).join(" ")
      return inner === "" ? [] : [`[${inner}]`]
    }
    case "Repeated":
      return termsOf(usage.usage).map((term) => `${term}...`)
    case "Alternation":
      return [`${termsOf(usage.left).join(" ")} | ${termsOf(usage.right).join(" ")}`]
    case "Concat":
      return [...termsOf(usage.left), ...termsOf(usage.right)]
  }
}

/** Every option and argument of a usage (its `Named` parts), optional or not. */
const namedIn = (usage: Usage.Usage): Array<Usage.Named> => {
  switch (usage._tag) {
    case "Named":
      return [usage]
    case "Optional":
    case "Repeated":
      return namedIn(usage.usage)
    case "Alternation":
    case "Concat":
      return [...namedIn(usage.left), ...namedIn(usage.right)]
    default:
      return []
  }
}

/** Every option and argument name in a usage (`--quota`, `<sync>`). */
export const namesIn = (usage: Usage.Usage): Array<string> => namedIn(usage).flatMap((named) => named.names)

/** The names of the options in `usage` that take a value (`--quota 10`), optional or not. */
export const valuedOptionsIn = (usage: Usage.Usage): Array<string> =>
  namedIn(usage)
    .filter((named) => named.names.some((name) => name.startsWith("-")) && Option.isSome(named.acceptedValues))
    .flatMap((named) => named.names)

/** The names of each option and argument a usage requires: those outside brackets. */
const requiredNamesIn = (usage: Usage.Usage): Array<ReadonlyArray<string>> => {
  switch (usage._tag) {
    case "Named":
      return [usage.names]
    case "Concat":
      return [...requiredNamesIn(usage.left), ...requiredNamesIn(usage.right)]
    default:
      return []
  }
}

/**
 * The options a usage requires, each by its names (`["--sync"]`, aliases after the name): those
 * outside brackets. An option with a default or a fallback is optional in the usage.
 */
export const requiredOptionsIn = (usage: Usage.Usage): Array<ReadonlyArray<string>> =>
  requiredNamesIn(usage).filter((names) => names.some((name) => name.startsWith("-")))

/** The arguments a usage requires (`<sync>`); the command's own name is a named part too, but no argument. */
export const requiredArgumentsIn = (usage: Usage.Usage): Array<string> =>
  requiredNamesIn(usage).flatMap((names) => names.filter((name) => name.startsWith("<")).slice(0, 1))

/** The definitions (term and block) after the header `title` (`OPTIONS`), until the next header. */
const definitionsUnder = (doc: HelpDoc.HelpDoc, title: string): Array<readonly [string, HelpDoc.HelpDoc]> => {
  const blocks: Array<HelpDoc.HelpDoc> = []
  const flatten = (d: HelpDoc.HelpDoc): void => {
    if (HelpDoc.isSequence(d)) {
      flatten(d.left)
      flatten(d.right)
    } else blocks.push(d)
  }
  flatten(doc)
  const start = blocks.findIndex((b) => HelpDoc.isHeader(b) && Help.textOf(b.value) === title)
  if (start < 0) return []
  const after = blocks.slice(start + 1)
  const end = after.findIndex(HelpDoc.isHeader)
  return (end < 0 ? after : after.slice(0, end))
    .filter(HelpDoc.isDescriptionList)
    .flatMap((list) => list.definitions.map(([term, block]) => [Help.textOf(term), block] as const))
}

/**
 * The description of an option or argument: @effect/cli's block for it is the value's type
 * ("An integer."), then the description, then notes such as "This setting is optional.",
 * which the usage's brackets already say.
 */
const describedBy = (block: HelpDoc.HelpDoc): string => Help.paragraphsOf(block)[1] ?? ""

export const render = (app: Help.App, entry: Help.Entry): string => {
  const descriptor = entry.command.descriptor
  const doc = CommandDescriptor.getHelp(descriptor, CliConfig.defaultConfig)
  const usage = CommandDescriptor.getUsage(descriptor)
  // The usage starts with the command's own name, which `entry.words` ends with.
  const [first = "", ...more] = Help.fill([app.name, ...entry.words, ...termsOf(usage).slice(1)], Help.COLUMNS - 4)
  // The help lists @effect/cli's built-in options too (`--wizard`, `--log-level`); the
  // usage holds only the command's own.
  const names = namesIn(usage)
  const own = (title: string) =>
    definitionsUnder(doc, title).filter(([term]) => names.some((name) => term === name || term.startsWith(`${name} `)))
  const sections = [["ARGUMENTS", own("ARGUMENTS")], ["OPTIONS", own("OPTIONS")]] as const
  const terms = sections.flatMap(([, definitions]) => definitions.map(([term]) => term.length))
  // Descriptions start after the widest term, but no further than column 32.
  const column = Math.min(2 + Math.max(0, ...terms) + 2, 32)
  const lines = [
    ...Help.wrap(entry.description, Help.COLUMNS),
    "",
    "USAGE",
    `  ${first}`,
    ...more.map((line) => `    ${line}`)
  ]
  for (const [title, definitions] of sections) {
    if (definitions.length === 0) continue
    lines.push("", title)
    for (const [term, block] of definitions) lines.push(...Help.row(column, term, describedBy(block)))
  }
  return lines.join("\n")
}

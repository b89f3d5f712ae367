/**
 * The help of `tributary` and of its command groups (`tributary syncs --help`): each command
 * on one line with what it does, wrapped to 80 columns. A command's own `--help` is
 * CommandHelp.ts's.
 *
 * Why not @effect/cli's (0.77) help of a command with subcommands: it lists every command
 * below it with its full usage, padded to the longest (`syncs create` and its ten options
 * take the descriptions past column 200), and names the words before a command two levels
 * down twice (`proxy proxy credentials create`: the usage it passes down for a group
 * already holds the words before the group, and it adds them again).
 *
 * The names and descriptions are the commands' own (`Command.withDescription`), read from
 * @effect/cli's help of each command.
 */
import { CliConfig, CommandDescriptor, HelpDoc } from "@effect/cli"
import type { Span } from "@effect/cli/HelpDoc/Span"

export const COLUMNS = 80

/** Any `Command.make` command, whatever it parses. */
interface Described {
  readonly descriptor: CommandDescriptor.Command<unknown>
}

/** A command as listed: the words after `tributary` that run it, and what it does. */
export interface Entry {
  readonly words: ReadonlyArray<string>
  readonly description: string
  readonly command: Described
}

/** Commands listed together under their group's description (none for the top level). */
export interface Section {
  readonly heading: string | undefined
  readonly entries: ReadonlyArray<Entry>
}

export const textOf = (span: Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Sequence":
      return textOf(span.left) + textOf(span.right)
    default:
      return textOf(span.value)
  }
}

/** The text of each header, paragraph and definition in `doc`, in order. */
export const paragraphsOf = (doc: HelpDoc.HelpDoc): Array<string> => {
  switch (doc._tag) {
    case "Empty":
      return []
    case "Header":
    case "Paragraph":
      return [textOf(doc.value)]
    case "Sequence":
      return [...paragraphsOf(doc.left), ...paragraphsOf(doc.right)]
    case "Enumeration":
      return doc.elements.flatMap(paragraphsOf)
    case "DescriptionList":
      return doc.definitions.flatMap(([term, block]) => [textOf(term), ...paragraphsOf(block)])
  }
}

/** The paragraph after the DESCRIPTION header of @effect/cli's help of a command. */
const descriptionIn = (doc: HelpDoc.HelpDoc): string | undefined => {
  if (!HelpDoc.isSequence(doc)) return undefined
  if (HelpDoc.isHeader(doc.left) && textOf(doc.left.value) === "DESCRIPTION" && HelpDoc.isParagraph(doc.right)) {
    return textOf(doc.right.value)
  }
  return descriptionIn(doc.left) ?? descriptionIn(doc.right)
}

const nameOf = (command: Described): string => [...CommandDescriptor.getNames(command.descriptor)][0] ?? ""

export const descriptionOf = (command: Described): string =>
  descriptionIn(CommandDescriptor.getHelp(command.descriptor, CliConfig.defaultConfig)) ?? ""

/**
 * `commands`, run as `tributary <path> <name>`, under the description of `group` (the
 * command at `path`; none for the top level).
 */
export const section = (
  path: ReadonlyArray<string>,
  group: Described | undefined,
  commands: ReadonlyArray<Described>
): Section => ({
  heading: group === undefined ? undefined : descriptionOf(group),
  entries: commands.map((command) => ({ words: [...path, nameOf(command)], description: descriptionOf(command), command }))
})

/** `words` in lines of at most `width` characters (a longer word has a line of its own). */
export const fill = (words: ReadonlyArray<string>, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of words) {
    if (line === "") line = word
    else if (line.length + 1 + word.length <= width) line += ` ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  return [...lines, line]
}

/** `text` in lines of at most `width` characters, broken at spaces. */
export const wrap = (text: string, width: number): Array<string> => fill(text.split(" "), width)

/** `left`, and `text` wrapped beside it from `column`, in lines of at most COLUMNS. */
export const row = (column: number, left: string, text: string): Array<string> => {
  const [first = "", ...rest] = wrap(text, COLUMNS - column)
  const head = `  ${left}`
  // A term too wide for its column gets a line of its own.
  const lines = head.length + 2 > column ? [head, " ".repeat(column) + first] : [head.padEnd(column) + first]
  return [...lines, ...rest.map((more) => " ".repeat(column) + more)].map((line) => line.trimEnd())
}

export const startsWith = (words: ReadonlyArray<string>, prefix: ReadonlyArray<string>) =>
  prefix.every((word, i) => words[i] === word)

export interface App {
  readonly name: string
  readonly version: string
  readonly description: string
}

/**
 * The help of the group at `path` (`[]` for the whole CLI): the sections' commands under
 * it, or undefined when none is (`path` is a command, not a group).
 */
export const render = (app: App, sections: ReadonlyArray<Section>, path: ReadonlyArray<string>): string | undefined => {
  const shown = sections
    .map((s) => ({ ...s, entries: s.entries.filter((e) => startsWith(e.words, path) && e.words.length > path.length) }))
    .filter((s) => s.entries.length > 0)
  if (shown.length === 0) return undefined
  const column = 2 + Math.max(...shown.flatMap((s) => s.entries.map((e) => e.words.join(" ").length))) + 2
  const lines = [
    ...wrap(path.length === 0 ? `${app.name} ${app.version}: ${app.description}` : shown[0]?.heading ?? "", COLUMNS),
    "",
    "USAGE",
    `  ${app.name} <command> [options]`,
    `  ${app.name} <command> --help    the command's options and arguments`
  ]
  for (const s of shown) {
    lines.push("", ...(s.heading === undefined || path.length > 0 ? ["COMMANDS"] : wrap(s.heading, COLUMNS)))
    for (const entry of s.entries) lines.push(...row(column, entry.words.join(" "), entry.description))
  }
  if (path.length === 0) {
    lines.push(
      "",
      "OPTIONS",
      ...row(column, "--version", `the version of ${app.name}`),
      ...row(column, "--completions SHELL", "a completion script for sh, bash, fish or zsh")
    )
  }
  return lines.join("\n")
}


/**
 * What a `tributary` command line names, and how it is refused: one line `error: …` naming
 * the option, argument or command at fault, and exit 1, as for a value read with core's
 * schemas while parsing (Input.ts).
 *
 * @effect/cli (0.77) prints its own message before it fails with a `ValidationError`, and its
 * messages for a command it does not know name the CLI rather than the group
 * (`tributary syncs nosuch`: "Invalid subcommand for tributary", with the top-level commands).
 * So Cli.ts finds the command here first, refuses an unknown one itself, and has the command
 * line parsed before @effect/cli runs it, to say what is wrong in these words instead.
 *
 * The commands are those the help lists (Help.Section), so the groups and their commands are
 * known without @effect/cli's internals.
 */
import { CommandDescriptor, type ValidationError } from "@effect/cli"
import { Option, Schema } from "effect"
import * as CommandHelp from "./CommandHelp.js"
import * as Help from "./Help.js"

export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", { detail: Schema.String }) {
  override get message() {
    return this.detail
  }
}

/** Where the arguments lead: a command, or a group (`syncs`, or `[]` for the CLI itself). */
export interface Place {
  readonly words: ReadonlyArray<string>
  /** The command `words` name; none when they name a group. */
  readonly entry: Help.Entry | undefined
  /** The names of the group's commands, in the help's order (none for a command). */
  readonly commands: ReadonlyArray<string>
  /** The arguments after `words`. */
  readonly rest: ReadonlyArray<string>
}

const same = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => a.length === b.length && Help.startsWith(a, b)

export const locate = (sections: ReadonlyArray<Help.Section>, args: ReadonlyArray<string>): Place => {
  const entries = sections.flatMap((s) => s.entries)
  const below = (words: ReadonlyArray<string>) => entries.filter((e) => e.words.length > words.length && Help.startsWith(e.words, words))
  let words: ReadonlyArray<string> = []
  for (const arg of args) {
    if (entries.some((e) => same(e.words, words))) break
    if (!below(words).some((e) => e.words[words.length] === arg)) break
    words = [...words, arg]
  }
  const entry = entries.find((e) => same(e.words, words))
  return {
    words,
    entry,
    commands: entry === undefined ? [...new Set(below(words).map((e) => e.words[words.length] ?? ""))] : [],
    rest: args.slice(words.length)
  }
}

/** A group followed by a word that is none of its commands (`syncs nosuch`). */
export const unknownCommand = (app: Help.App, place: Place): UsageError | undefined => {
  const [next] = place.rest
  if (place.entry !== undefined || next === undefined || next.startsWith("-")) return undefined
  const group = place.words.length === 0 ? app.name : place.words.join(" ")
  return new UsageError({
    detail: `${group}: no command '${next}'; its commands: ${place.commands.join(", ")} (${[app.name, ...place.words].join(" ")} --help)`
  })
}

/** The message of @effect/cli's refusal, on one line. */
export const fromValidationError = (error: ValidationError.ValidationError): UsageError => {
  const said = [...new Set(Help.paragraphsOf(error.error).map((p) => p.replace(/\s+/g, " ").trim()).filter((p) => p !== ""))]
  if (said.length > 0) return new UsageError({ detail: said.join("; ") })
  switch (error._tag) {
    case "MultipleValuesDetected":
      return new UsageError({ detail: `an option given more than once: ${error.values.join(", ")}` })
    case "UnclusteredFlag":
      return new UsageError({ detail: `no such options: ${error.unclustered.join(", ")}` })
    default:
      return new UsageError({ detail: `the command line is not one @effect/cli can read (${error._tag}); see --help` })
  }
}

/**
 * The required options the command line does not give, named as any refusal (`--sync: required`,
 * or `--sync: needs a value` when it ends the line) where @effect/cli says "Expected to find
 * option: '--sync'". Read from the command's usage and the arguments, not from @effect/cli's
 * message; none found (an argument is missing), none named.
 */
export const missingOptions = (place: Place): UsageError | undefined => {
  if (place.entry === undefined) return undefined
  const given = (name: string) => place.rest.some((arg) => arg === name || arg.startsWith(`${name}=`))
  const last = place.rest.at(-1)
  const missing = CommandHelp.requiredOptionsIn(CommandDescriptor.getUsage(place.entry.command.descriptor)).flatMap((names) => {
    if (!names.some(given)) return [`${names[0]}: required`]
    return last !== undefined && names.includes(last) ? [`${names[0]}: needs a value`] : []
  })
  return missing.length === 0 ? undefined : new UsageError({ detail: missing.join("; ") })
}

/**
 * `--option=` as the option and an empty value, which @effect/cli (0.77) does not read ("The flag
 * '--api-key=' is not recognized"): the value is then refused as any empty one is, naming the option.
 */
export const withEmptyValuesSplit = (args: ReadonlyArray<string>): ReadonlyArray<string> =>
  args.flatMap((arg) => (/^--[^=]+=$/.test(arg) ? [arg.slice(0, -1), ""] : [arg]))

/** The arguments without `--log-level LEVEL` (@effect/cli's own option), as @effect/cli runs the command once it has set the level. */
export const withoutLogLevel = (args: ReadonlyArray<string>): ReadonlyArray<string> =>
  args.filter((arg, i) => !(arg === "--log-level" || arg.startsWith("--log-level=") || args[i - 1] === "--log-level"))

/**
 * The argument a command that takes one required argument was not given (`<sync>: required`),
 * where @effect/cli says "Missing argument <sync>". Asked only once no option is missing (every
 * command has at most one argument); a command with none, or several, is left to @effect/cli.
 */
export const missingArgument = (place: Place): UsageError | undefined => {
  if (place.entry === undefined) return undefined
  const usage = CommandDescriptor.getUsage(place.entry.command.descriptor)
  const required = CommandHelp.requiredArgumentsIn(usage)
  if (required.length !== 1) return undefined
  // Given after all (another refusal is @effect/cli's to name): a word that is neither an
  // option nor the value of the option before it.
  const valued = CommandHelp.valuedOptionsIn(usage)
  const words = withoutLogLevel(place.rest)
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (!word.startsWith("-")) return undefined
    if (valued.includes(word)) i++
  }
  return new UsageError({ detail: `${required[0]}: required` })
}

/**
 * An option that takes a value and ends the line without one (`syncs create --api-key`), required
 * or not, where @effect/cli says "Expected a value following option: '--api-key'".
 */
export const valueMissingAtEnd = (place: Place): UsageError | undefined => {
  const last = withoutLogLevel(place.rest).at(-1)
  if (place.entry === undefined || last === undefined) return undefined
  return CommandHelp.valuedOptionsIn(CommandDescriptor.getUsage(place.entry.command.descriptor)).includes(last)
    ? new UsageError({ detail: `${last}: needs a value` })
    : undefined
}

/** @effect/cli's refusal of the command line at `place`, in the CLI's words where it has them. */
export const refusalOf = (error: ValidationError.ValidationError, place: Place): UsageError =>
  (error._tag === "MissingValue" || error._tag === "MissingFlag" ? missingOptions(place) ?? missingArgument(place) : undefined) ??
    valueMissingAtEnd(place) ?? fromValidationError(error)

/**
 * What is left once the command has all it takes (@effect/cli says only "Received unknown
 * argument"): an option given twice or without its value, an option the command does not
 * have, or an argument too many.
 */
export const leftover = (app: Help.App, place: Place, left: ReadonlyArray<string>): UsageError => {
  const [head = ""] = left
  const command = [app.name, ...place.words].join(" ")
  const names = Option.fromNullable(place.entry).pipe(
    Option.map((entry) => CommandHelp.namesIn(CommandDescriptor.getUsage(entry.command.descriptor))),
    Option.getOrElse((): Array<string> => [])
  )
  if (names.includes(head)) {
    const times = place.rest.filter((arg) => arg === head).length
    return new UsageError({ detail: times > 1 ? `${head}: given more than once` : `${head}: needs a value` })
  }
  if (head.startsWith("-")) return new UsageError({ detail: `${head}: not an option of ${command} (${command} --help)` })
  return new UsageError({ detail: `${command}: unexpected argument '${head}' (${command} --help)` })
}

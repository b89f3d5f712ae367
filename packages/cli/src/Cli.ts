/** The `tributary` command: every subcommand, composed. */
import { type CliApp, CliConfig, Command, CommandDescriptor, CommandDirective, ValidationError } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { emulator, isEmulatorCommand, runEmulator } from "./commands/emulator.js"
import { provision } from "./commands/provision.js"
import { proxy, proxyHelp } from "./commands/proxy.js"
import { syncs, syncsHelp } from "./commands/syncs.js"
import { tokens, tokensHelp } from "./commands/tokens.js"
import { verify } from "./commands/verify.js"
import * as CommandHelp from "./internal/CommandHelp.js"
import * as CommandLine from "./internal/CommandLine.js"
import * as Help from "./internal/Help.js"

const app = { name: "tributary", version: "0.1.0", description: "Mirror third-party APIs into NATS JetStream and Postgres" }

export const root = Command.make(app.name).pipe(
  Command.withDescription(app.description),
  Command.withSubcommands([emulator, provision, proxy, syncs, tokens, verify])
)

/** What `tributary --help` lists, in this order: every command of `root`. */
export const helpSections: ReadonlyArray<Help.Section> = [
  Help.section([], undefined, [provision, verify, emulator]),
  syncsHelp,
  proxyHelp,
  tokensHelp
]

const wantsHelp = (args: ReadonlyArray<string>) => args.includes("--help") || args.includes("-h")

/**
 * Ours, not @effect/cli's: the help of the CLI or of a group (`tributary`, `tributary syncs`,
 * with or without `--help`, see internal/Help.ts) and of a command (`tributary syncs create
 * --help`, internal/CommandHelp.ts).
 */
const helpAt = (place: CommandLine.Place): string | undefined => {
  if (place.entry !== undefined) return wantsHelp(place.rest) ? CommandHelp.render(app, place.entry) : undefined
  const [next] = place.rest
  return next === undefined || next === "--help" || next === "-h" ? Help.render(app, helpSections, place.words) : undefined
}

export const run = (given: ReadonlyArray<string>) => {
  if (isEmulatorCommand(given)) {
    return Effect.promise(() => runEmulator(given)).pipe(Effect.map((code) => {
      process.exitCode = code
    }))
  }
  const argv = CommandLine.withEmptyValuesSplit(given)
  const place = CommandLine.locate(helpSections, argv.slice(2))
  const help = helpAt(place)
  if (help !== undefined) return Console.log(help)
  const unknown = CommandLine.unknownCommand(app, place)
  const program = unknown === undefined ? runCommand(argv, place) : Effect.fail(unknown)
  return place.words[0] === "verify" ? withTroubleCode(program) : program
}

/**
 * `verify` exits as diff(1) does: 1 on a difference, 2 when it could not compare at all (a bad
 * command line, NATS or Postgres unreachable, no such sync), so a job tells drift from an outage.
 */
export const VERIFY_TROUBLE_EXIT_CODE = 2

const withTroubleCode = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  Effect.tapErrorCause(program, () => Effect.sync(() => {
    process.exitCode = VERIFY_TROUBLE_EXIT_CODE
  }))

/**
 * The command line is parsed once before @effect/cli runs it, because on a bad one @effect/cli
 * prints its own message and fails: refused here, it is one line of ours and exit 1 (see
 * internal/CommandLine.ts). Parsing has no effects, so the second parse finds the same.
 */
const refuseBad = (args: ReadonlyArray<string>, place: CommandLine.Place): Effect.Effect<void, CommandLine.UsageError, CliApp.CliApp.Environment> =>
  CommandDescriptor.parse(root.descriptor, [app.name, ...args], CliConfig.defaultConfig).pipe(
    Effect.mapError((error) => CommandLine.refusalOf(error, place)),
    Effect.flatMap((directive) => {
      if (CommandDirective.isUserDefined(directive)) {
        return directive.leftover.length > 0 ? Effect.fail(CommandLine.leftover(app, place, directive.leftover)) : Effect.void
      }
      return directive.option._tag === "SetLogLevel" ? refuseBad(CommandLine.withoutLogLevel(args), place) : Effect.void
    })
  )

const runCommand = (argv: ReadonlyArray<string>, place: CommandLine.Place) =>
  refuseBad(argv.slice(2), place).pipe(
    Effect.zipRight(Command.run(root, { name: app.name, version: app.version })(argv).pipe(
      // Not expected once the parse above passed; @effect/cli has printed its message, and
      // the exit code is still that of any refusal.
      Effect.catchIf(ValidationError.isValidationError, (error) => Effect.fail(CommandLine.fromValidationError(error)))
    )),
    Effect.provide(NodeContext.layer)
  )

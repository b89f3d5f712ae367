/** The `tributary` command: every subcommand, composed. */
import { Command, ValidationError } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { emulator, isEmulatorCommand, runEmulator } from "./commands/emulator.js"
import { provision } from "./commands/provision.js"
import { proxy, proxyHelp } from "./commands/proxy.js"
import { syncs, syncsHelp } from "./commands/syncs.js"
import { tokens, tokensHelp } from "./commands/tokens.js"
import { verify } from "./commands/verify.js"
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

/**
 * `tributary [group …] [--help | -h]`: the help of the CLI or of a group, ours (see
 * internal/Help.ts); anything else, a command's `--help` included, goes to @effect/cli.
 */
const helpFor = (args: ReadonlyArray<string>): string | undefined => {
  const last = args.at(-1)
  return Help.render(app, helpSections, last === "--help" || last === "-h" ? args.slice(0, -1) : args)
}

export const run = (argv: ReadonlyArray<string>) => {
  const help = helpFor(argv.slice(2))
  if (help !== undefined) return Console.log(help)
  return isEmulatorCommand(argv)
    ? Effect.promise(() => runEmulator(argv)).pipe(Effect.map((code) => {
      process.exitCode = code
    }))
    : runCommand(argv)
}

const runCommand = (argv: ReadonlyArray<string>) =>
  Command.run(root, { name: app.name, version: app.version })(argv).pipe(
    // @effect/cli has already printed what was wrong with the arguments.
    Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => {
      process.exitCode = 2
    })),
    Effect.provide(NodeContext.layer)
  )

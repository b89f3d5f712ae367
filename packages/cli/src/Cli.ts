/** The `tributary` command: every subcommand, composed. */
import { Command, ValidationError } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { emulator, isEmulatorCommand, runEmulator } from "./commands/emulator.js"
import { provision } from "./commands/provision.js"
import { proxy } from "./commands/proxy.js"
import { syncs } from "./commands/syncs.js"
import { tokens } from "./commands/tokens.js"
import { verify } from "./commands/verify.js"

export const root = Command.make("tributary").pipe(
  Command.withDescription("Mirror third-party APIs into NATS JetStream and Postgres"),
  Command.withSubcommands([emulator, provision, proxy, syncs, tokens, verify])
)

export const run = (argv: ReadonlyArray<string>) =>
  isEmulatorCommand(argv)
    ? Effect.promise(() => runEmulator(argv)).pipe(Effect.map((code) => {
      process.exitCode = code
    }))
    : runCommand(argv)

const runCommand = (argv: ReadonlyArray<string>) =>
  Command.run(root, { name: "tributary", version: "0.1.0" })(argv).pipe(
    // @effect/cli has already printed what was wrong with the arguments.
    Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => {
      process.exitCode = 2
    })),
    Effect.provide(NodeContext.layer)
  )

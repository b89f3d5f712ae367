/**
 * `tributary emulator stripe [--port …] [--seed …] [--customers …]`: the Stripe emulator
 * for demos and local testing. The emulator parses its own flags, so this command hands
 * the rest of the command line over as is, and loads the emulator only when asked: it
 * is the one place production code may reach it (see .dependency-cruiser.cjs).
 */
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"

export const isEmulatorCommand = (argv: ReadonlyArray<string>): boolean => argv[2] === "emulator"

/** Runs `tributary emulator <source> …`, resolving with the exit code. */
export const runEmulator = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [source, ...rest] = argv.slice(3)
  if (source === "--help" || source === "-h") {
    process.stdout.write(`usage: tributary emulator <source> [options]\nsources: stripe; its options: tributary emulator stripe --help\n`)
    return 0
  }
  if (source !== "stripe") {
    process.stderr.write(source === undefined
      ? "tributary emulator needs a source; available: stripe\n"
      : `unknown emulator ${JSON.stringify(source)}; available: stripe\n`)
    return 2
  }
  const { main } = await import("@tributary/stripe-emulator/cli")
  return main(rest)
}

/** Listed in `tributary --help`; the real work happens in `runEmulator`. */
export const emulator = Command.make("emulator", { source: Args.text({ name: "source" }) }, () => Effect.void).pipe(
  Command.withDescription("Run an API emulator (stripe) for demos and tests; its options: `tributary emulator stripe --help`")
)

/**
 * Running a service as a process: configuration from `TRIBUTARY_*`, SIGINT/SIGTERM
 * interrupt the program so every scoped resource is released (NATS drained, pool
 * ended), and a failure exits non-zero at once with a readable message instead of a stack.
 */
import { Cause, ConfigError, Effect, Exit, Fiber, Layer, Option } from "effect"
import * as Env from "./Env.js"

/** The message a user sees when start-up fails; config errors name the variable. */
export const describeFailure = <E>(cause: Cause.Cause<E>): string => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && ConfigError.isConfigError(failure.value)) {
    return `invalid configuration: ${String(failure.value)}`
  }
  // Tagged errors carry a message written for the user; a stack adds nothing to it.
  if (Option.isSome(failure) && failure.value instanceof Error && "_tag" in failure.value) {
    if (failure.value.message !== "") return `error: ${failure.value.message}`
    // Some library errors carry only a cause (@effect/platform's ServeError for a port in
    // use): without it the user would read a bare "error: ".
    const inner = failure.value.cause
    return `error: ${String(failure.value._tag)}: ${inner instanceof Error ? inner.message : String(inner)}`
  }
  return Cause.pretty(cause)
}

export const run = <E>(program: Effect.Effect<unknown, E>): void => {
  const fiber = Effect.runFork(program.pipe(Effect.provide(Env.layer())))
  let interrupted = false
  const stop = () => {
    if (interrupted) return
    interrupted = true
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
  fiber.addObserver((exit) => {
    process.off("SIGINT", stop)
    process.off("SIGTERM", stop)
    if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) {
      // A program may already have chosen its exit code (a CLI reporting a failed check).
      process.exitCode ??= 0
    } else {
      // 1, unless the program chose a code of its own for its failures (`verify`: 2, trouble).
      const code = typeof process.exitCode === "number" && process.exitCode > 1 ? process.exitCode : 1
      process.exitCode = code
      // Exit rather than wait for the event loop to empty: a library may hold a handle after a
      // failed start (nats.js keeps the socket of a server that never sent its INFO, for good),
      // and a process that failed must not linger. Every scope has been released by now.
      process.stderr.write(`${describeFailure(exit.cause)}\n`, () => process.exit(code))
    }
  })
}

/** Run a service that lives until it is signalled: its Layer acquires everything and serves. */
export const runLayer = <E>(layer: Layer.Layer<never, E>): void => run(Layer.launch(layer))

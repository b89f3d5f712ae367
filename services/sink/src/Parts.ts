/**
 * The parts of a sink that run as long as it does: the RECORDS reader and the `+WPI`
 * heartbeat, the writers, the delete-mode watch, the Postgres probe, the NATS
 * connection watch and consumer probe, and the one-off creation of the catalog's tables.
 *
 * None of them is meant to end. One that does anyway (a bug, a defect, a NATS
 * subscription that gave up) would leave the others waiting on it in a process that
 * still looks alive: nothing acked, nothing lost, but nothing flowing either, and no
 * orchestrator told. So the sink is crash-only: the first part that ends for any reason
 * but the sink's own shutdown makes `/readyz` say so for good, is logged with its cause,
 * and stops the sink with that cause, so the process exits non-zero and is started again.
 * Whatever it held was not acked, and JetStream redelivers it (after the ack wait).
 */
import { Cause, Deferred, Effect, Exit } from "effect"
import type { Scope } from "effect"
import type { ReadinessService } from "./Readiness.js"

export interface Parts {
  /** Run a part that should never end, for the life of the scope. */
  readonly forever: (name: string, part: Effect.Effect<unknown>) => Effect.Effect<void, never, Scope.Scope>
  /** Run a part that ends when its work is done, but must not die. */
  readonly task: (name: string, part: Effect.Effect<unknown>) => Effect.Effect<void, never, Scope.Scope>
  /** Fails with the cause of the first part that stopped; never succeeds. */
  readonly firstStopped: Effect.Effect<never>
}

export const make = (readiness: ReadinessService): Effect.Effect<Parts> =>
  Effect.map(Deferred.make<never>(), (stopped) => {
    const stop = (name: string, cause: Cause.Cause<never>) =>
      Effect.gen(function*() {
        yield* readiness.stopped(`${name} stopped; the sink is exiting to be restarted`)
        yield* Effect.logError(`${name} stopped; the sink is exiting to be restarted`, cause)
        yield* Deferred.failCause(stopped, cause)
      })

    const run = (name: string, part: Effect.Effect<unknown>, mayFinish: boolean) =>
      part.pipe(
        Effect.onExit((exit) => {
          if (Exit.isSuccess(exit)) {
            return mayFinish ? Effect.void : stop(name, Cause.die(new Error(`${name} ended, which it never should`)))
          }
          // Interrupted: the sink itself is shutting down.
          return Cause.isInterruptedOnly(exit.cause) ? Effect.void : stop(name, exit.cause)
        }),
        Effect.forkScoped,
        Effect.asVoid
      )

    return {
      forever: (name, part) => run(name, part, false),
      task: (name, part) => run(name, part, true),
      firstStopped: Deferred.await(stopped)
    }
  })

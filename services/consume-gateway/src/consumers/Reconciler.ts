/**
 * Each replica brings its consumers' JetStream consumers back to the bucket (the source of
 * truth) when it starts and whenever its NATS connection comes back: the two moments after
 * which JetStream may disagree with the bucket and nothing else would notice. A PATCH cut short
 * by a lost connection (JetStream changed, and the bucket put back, or the other way round), or
 * a replica that stopped between the two writes, leaves them apart until the next PATCH; the
 * replica that lost the connection reconciles when it is back, any replica when it starts.
 *
 * Not on every change the bucket's watch delivers: a PATCH that JetStream refuses is written,
 * then undone, and a replica applying the written revision meanwhile would put JetStream at it
 * for a moment after the PATCH had answered that nothing changed.
 *
 * One consumer at a time per replica (a queue of names, each once), each by
 * `ConsumerStore.reconcile`, which is safe to run on several replicas at once.
 */
import type { Nats } from "@tributary/core"
import { Effect, Runtime } from "effect"
import * as ConsumerStore from "./ConsumerStore.js"

export interface Reconciler {
  /** Reconcile every consumer in the bucket, after those already queued. */
  readonly all: () => void
}

export const make = Effect.gen(function*() {
  const runtime = yield* Effect.runtime<Nats.Nats>()
  const run = Runtime.runPromise(runtime)
  const pending = new Set<string>()
  let closed = false
  let draining: Promise<void> | undefined
  yield* Effect.addFinalizer(() => Effect.sync(() => {
    closed = true
    pending.clear()
  }))

  const one = (name: string) =>
    ConsumerStore.reconcile(name).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning(`could not bring JetStream consumer of ${name} to its config in the consumers bucket: ${error.message}`).pipe(
          Effect.annotateLogs({ consumer: name }))),
      Effect.catchAllDefect((defect) => Effect.logWarning(`reconcile of consumer ${name} failed: ${String(defect)}`))
    )

  const drain = async () => {
    for (const name of pending) {
      if (closed) return
      pending.delete(name)
      await run(one(name)).catch(() => undefined)
    }
  }

  const schedule = (names: Iterable<string>) => {
    if (closed) return
    for (const name of names) pending.add(name)
    draining ??= drain().finally(() => {
      draining = undefined
      if (pending.size > 0 && !closed) schedule([])
    })
  }

  const all = () => {
    if (closed) return
    run(ConsumerStore.names).then(schedule, (error: unknown) =>
      run(Effect.logWarning(`could not list consumers to reconcile: ${error instanceof Error ? error.message : String(error)}`))
        .catch(() => undefined))
  }

  return { all } satisfies Reconciler
})

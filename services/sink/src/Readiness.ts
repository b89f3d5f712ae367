/**
 * Whether the sink can do its job, for `/readyz`: it is not ready until the consumer
 * exists and a write (or a probe) reached Postgres, and it stops being ready as soon as
 * a transaction fails for a reason other than the records themselves. Once a part of the
 * sink has stopped (see `Parts`) it stays not ready: the sink is on its way out, and a
 * probe that still reaches Postgres must not say otherwise.
 */
import { Context, Effect, Layer, Ref } from "effect"
import { Metrics } from "./Metrics.js"

export type State =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: string; readonly stopped?: true }

export interface ReadinessService {
  readonly get: Effect.Effect<State>
  readonly ready: Effect.Effect<void>
  readonly notReady: (reason: string) => Effect.Effect<void>
  /** Not ready for good: a part of the sink stopped and the sink is stopping. */
  readonly stopped: (reason: string) => Effect.Effect<void>
}

export class Readiness extends Context.Tag("@tributary/sink/Readiness")<Readiness, ReadinessService>() {}

export const layer = Layer.effect(
  Readiness,
  Effect.gen(function*() {
    const metrics = yield* Metrics
    const state = yield* Ref.make<State>({ ready: false, reason: "starting" })
    metrics.ready.set(0)
    const set = (next: State) =>
      Effect.zipRight(
        Ref.update(state, (current) => !current.ready && current.stopped ? current : next),
        Effect.flatMap(Ref.get(state), (current) => Effect.sync(() => metrics.ready.set(current.ready ? 1 : 0)))
      )
    return {
      get: Ref.get(state),
      ready: set({ ready: true }),
      notReady: (reason) => set({ ready: false, reason }),
      stopped: (reason) => set({ ready: false, reason, stopped: true })
    }
  })
)

/**
 * Whether the sink can do its job, for `/readyz`: it is not ready until the consumer
 * exists and a write (or a probe) reached Postgres, and it stops being ready as soon as
 * a transaction fails for a reason other than the records themselves.
 */
import { Context, Effect, Layer, Ref } from "effect"
import { Metrics } from "./Metrics.js"

export type State = { readonly ready: true } | { readonly ready: false; readonly reason: string }

export interface ReadinessService {
  readonly get: Effect.Effect<State>
  readonly ready: Effect.Effect<void>
  readonly notReady: (reason: string) => Effect.Effect<void>
}

export class Readiness extends Context.Tag("@tributary/sink/Readiness")<Readiness, ReadinessService>() {}

export const layer = Layer.effect(
  Readiness,
  Effect.gen(function*() {
    const metrics = yield* Metrics
    const state = yield* Ref.make<State>({ ready: false, reason: "starting" })
    metrics.ready.set(0)
    return {
      get: Ref.get(state),
      ready: Effect.zipRight(Ref.set(state, { ready: true }), Effect.sync(() => metrics.ready.set(1))),
      notReady: (reason) => Effect.zipRight(Ref.set(state, { ready: false, reason }), Effect.sync(() => metrics.ready.set(0)))
    }
  })
)

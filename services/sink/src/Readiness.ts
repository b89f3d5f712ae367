/**
 * Whether the sink can do its job, for `/readyz`. It needs both ends: Postgres (a write
 * or a probe reached it, and no batch is failing for a reason other than its records)
 * and NATS (connected, and its durable consumer answers). Each end is reported on its own
 * and the sink is ready only when both are; until each has been seen working once, it
 * is "starting". Once a part of the sink has stopped (see `Parts`) it stays not ready:
 * the sink is on its way out, and a probe that still succeeds must not say otherwise.
 */
import type { Probes } from "@tributary/core"
import { Context, Effect, Layer, Ref } from "effect"
import { Metrics } from "./Metrics.js"

export type State =
  | { readonly ready: true }
  | { readonly ready: false; readonly reasons: ReadonlyArray<Probes.Unready>; readonly stopped?: true }

/** The ends the sink depends on, each ready or not on its own. */
export type End = "postgres" | "nats"

export interface ReadinessService {
  readonly get: Effect.Effect<State>
  readonly ready: (end: End) => Effect.Effect<void>
  readonly notReady: (end: End, reason: string) => Effect.Effect<void>
  /** Not ready for good: a part of the sink stopped and the sink is stopping. */
  readonly stopped: (reason: string) => Effect.Effect<void>
}

export class Readiness extends Context.Tag("@tributary/sink/Readiness")<Readiness, ReadinessService>() {}

interface Ends {
  /** Why each end is not ready; an end that is ready is absent. */
  readonly failing: ReadonlyMap<End, string>
  readonly stopped?: string
}

const stateOf = (ends: Ends): State => {
  if (ends.stopped !== undefined) return { ready: false, reasons: [{ component: "sink", reason: ends.stopped }], stopped: true }
  if (ends.failing.size === 0) return { ready: true }
  // In a fixed order, so the reasons read the same however the ends changed.
  const reasons = (["postgres", "nats"] as const).flatMap((end) => {
    const reason = ends.failing.get(end)
    return reason === undefined ? [] : [{ component: end, reason }]
  })
  return { ready: false, reasons }
}

export const layer = Layer.effect(
  Readiness,
  Effect.gen(function*() {
    const metrics = yield* Metrics
    const ends = yield* Ref.make<Ends>({
      failing: new Map([["postgres", "starting: Postgres not reached yet"], ["nats", "starting: NATS not reached yet"]])
    })
    metrics.ready.set(0)
    const update = (change: (ends: Ends) => Ends) =>
      Effect.flatMap(
        Ref.updateAndGet(ends, (current) => current.stopped !== undefined ? current : change(current)),
        (current) => Effect.sync(() => metrics.ready.set(stateOf(current).ready ? 1 : 0))
      )
    const setEnd = (end: End, reason: string | undefined) =>
      update((current) => {
        if (current.failing.get(end) === reason) return current
        const failing = new Map(current.failing)
        if (reason === undefined) failing.delete(end)
        else failing.set(end, reason)
        return { failing }
      })
    return {
      get: Effect.map(Ref.get(ends), stateOf),
      ready: (end) => setEnd(end, undefined),
      notReady: (end, reason) => setEnd(end, reason),
      stopped: (reason) => update((current) => ({ ...current, stopped: reason }))
    }
  })
)

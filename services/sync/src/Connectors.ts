/**
 * The connectors this replica runs, by source: a service, because replicas of different versions
 * (a rolling update) may run different ones, and a replica without a sync's connector lets the
 * sync go to one that has it. Adding a source is an entry in `@tributary/connectors`.
 */
import type { Connector } from "@tributary/core"
import { Sources } from "@tributary/connectors"
import { Context, Effect, Layer } from "effect"
import { SyncSettingsTag } from "./Settings.js"
import type { SyncSettings } from "./Settings.js"

export interface Registry {
  readonly forSource: (source: string) => Connector.Connector | undefined
}

export class Connectors extends Context.Tag("@tributary/sync/Connectors")<Connectors, Registry>() {}

/** Every connector of this version of the service. */
export const builtIn = (settings: SyncSettings): Registry => ({
  forSource: (source) =>
    Sources.forSource(source)?.make({
      overlapSeconds: settings.overlapSeconds,
      rescanIntervalMs: settings.rescanIntervalMs,
      sweepIntervalMs: settings.sweepIntervalMs
    })
})

export const layer = Layer.effect(Connectors, Effect.map(SyncSettingsTag, builtIn))

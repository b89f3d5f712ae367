/** The sink as one Layer: configuration, resources, the writers and the HTTP endpoints. */
import { Database, Log, Nats } from "@tributary/core"
import { Tables, TablesConfig } from "@tributary/tables"
import { Config, Effect, Layer } from "effect"
import * as Http from "./Http.js"
import * as Metrics from "./Metrics.js"
import * as Readiness from "./Readiness.js"
import * as Sink from "./Sink.js"
import type { SinkSettings } from "./SinkSettings.js"
import * as Settings from "./SinkSettings.js"

/**
 * The sink with its HTTP endpoints, given Nats, Database and Tables. Building it never
 * finishes while the sink runs; it fails when a part of the sink stops, which makes
 * `Layer.launch` (and so the process) end with that cause.
 */
export const layer = (settings: SinkSettings, options: Sink.RunOptions = {}) => {
  const state = Readiness.layer.pipe(Layer.provideMerge(Metrics.layer))
  return Layer.mergeAll(Layer.effectDiscard(Sink.run(settings, options)), Http.layer(settings.host, settings.port)).pipe(Layer.provide(state))
}

/** Everything from `TRIBUTARY_*`, with `options` (tests): what `main.ts` runs. */
export const layerConfigWith = (options: Sink.RunOptions) => Layer.unwrapEffect(Effect.gen(function*() {
  // Read together, so that every bad value is reported at once.
  const [settings, tablesConfig] = yield* Config.all([Settings.sink, TablesConfig.fromEnv])
  const database = Database.layerConfig("tributary-sink")
  return layer(settings, options).pipe(
    Layer.provide(Tables.layer(tablesConfig)),
    Layer.provide(Layer.mergeAll(Nats.layerConfig("tributary-sink"), database)),
    Layer.provide(Log.layerConfig("sink"))
  )
}))

/** Everything from `TRIBUTARY_*`: what `main.ts` runs. */
export const layerConfig = layerConfigWith({})

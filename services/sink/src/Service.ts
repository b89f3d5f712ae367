/** The sink as one Layer: configuration, resources, the writers and the HTTP endpoints. */
import { Database, Log, MetricsAccess, Nats, Settings as CoreSettings } from "@tributary/core"
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

/**
 * Everything the sink reads from `TRIBUTARY_*`, as one `Config`, read before anything is
 * built: the groups of one `Config.all` are all checked, so every bad value is reported at
 * once, not one restart at a time.
 */
export const config = Config.all({
  sink: Settings.sink,
  tables: TablesConfig.fromEnv,
  nats: CoreSettings.nats,
  postgres: CoreSettings.postgres,
  log: CoreSettings.log,
  // Read again by the HTTP layer, which tests build on their own; here to be reported with the rest.
  metricsToken: MetricsAccess.token
})

/** Everything from `TRIBUTARY_*`, with `options` (tests): what `main.ts` runs. */
export const layerConfigWith = (options: Sink.RunOptions) =>
  Layer.unwrapEffect(Effect.map(config, ({ log, nats, postgres, sink, tables }) =>
    layer(sink, options).pipe(
      Layer.provide(Tables.layer(tables)),
      Layer.provide(Layer.mergeAll(Nats.layer(nats, "tributary-sink"), Database.layer(postgres, "tributary-sink"))),
      Layer.provide(Log.layer("sink", log.level))
    )))

/** Everything from `TRIBUTARY_*`: what `main.ts` runs. */
export const layerConfig = layerConfigWith({})

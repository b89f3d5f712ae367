/**
 * The sync service as one Layer: configuration, NATS, provisioning, the replica (leases and
 * actors) and the health/metrics server.
 */
import { Log, Nats, Provisioning, Secrets } from "@tributary/core"
import { Effect, Layer } from "effect"
import * as Connectors from "./Connectors.js"
import * as Health from "./http/Health.js"
import * as Metrics from "./Metrics.js"
import * as Replica from "./replica/Replica.js"
import * as Settings from "./Settings.js"

/**
 * Everything but configuration: tests provide their own settings, NATS, secret key and
 * stream limits (JetStream reserves each stream's `max_bytes`, so tests keep EVENTS small), and
 * may run a replica with other connectors than this version's (one of another version).
 */
export const layerWith = (
  settings: Settings.SyncSettings,
  limits: Provisioning.Limits = Provisioning.defaultLimits,
  connectors: Layer.Layer<Connectors.Connectors, never, Settings.SyncSettingsTag> = Connectors.layer
) =>
  Layer.mergeAll(Health.layer(settings.httpHost, settings.httpPort), Layer.effectDiscard(Effect.logInfo(`sync replica ${settings.replicaId} up`))).pipe(
    Layer.provideMerge(Replica.layer),
    Layer.provideMerge(connectors),
    Layer.provideMerge(Layer.effectDiscard(Provisioning.ensure(limits))),
    Layer.provideMerge(Metrics.layer),
    Layer.provideMerge(Settings.layer(settings))
  )

export const layer = Layer.unwrapEffect(Effect.map(Settings.config, layerWith)).pipe(
  Layer.provide(Layer.mergeAll(Nats.layerConfig("tributary-sync"), Secrets.layerConfig, Log.layerConfig("sync")))
)

/**
 * The sync service as one Layer: configuration, NATS, provisioning, the replica (leases and
 * actors) and the health/metrics server.
 */
import { Log, MetricsAccess, Nats, Provisioning, Secrets, Settings as CoreSettings } from "@tributary/core"
import { Config, Effect, Layer } from "effect"
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

/**
 * Everything the sync service reads from `TRIBUTARY_*`, as one `Config`, read before anything
 * is built: the groups of one `Config.all` are all checked, so every bad value is reported at
 * once, not one restart at a time.
 */
export const config = Config.all({
  sync: Settings.config,
  nats: CoreSettings.nats,
  secretKey: CoreSettings.secretKey,
  log: CoreSettings.log,
  // Read again by the health server, which tests build with their own settings; here to be reported with the rest.
  metricsToken: MetricsAccess.token
})

/** Everything from `TRIBUTARY_*`: what `main.ts` runs. */
export const layer = Layer.unwrapEffect(Effect.map(config, ({ log, nats, secretKey, sync }) =>
  layerWith(sync).pipe(
    Layer.provide(Layer.mergeAll(Nats.layer(nats, "tributary-sync"), Secrets.layer(secretKey), Log.layer("sync", log.level)))
  )))

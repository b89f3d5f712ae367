/**
 * One sync test's world: a Stripe emulator (in this process), a namespace of its own on the
 * shared nats-server (or on one of the test's own), and sync replicas, in this process (`replica`) or as child processes
 * (`Replicas.start`, for kill -9).
 */
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/transport-node"
import { Env, Log, Nats, Provisioning, Secrets, SyncStore } from "@tributary/core"
import type { Ids, Namespace, SyncConfig, SyncStatus } from "@tributary/core"
import { Emulator } from "@tributary/stripe-emulator"
import type { AdminClient, RunningEmulator } from "@tributary/stripe-emulator"
import { Fixtures } from "@tributary/testkit"
import { Connectors, Service, Settings } from "@tributary/sync"
import { Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import * as Records from "./Records.js"

export const SECRET_KEY = "integration-tests-secret-key-0123456789"

/** The token in-process replicas take for `/metrics` (served when `httpPort` is given one). */
export const METRICS_TOKEN = "integration-tests-metrics-token"

/** JetStream reserves each stream's `max_bytes` from the server's store: tests keep EVENTS small. */
export const LIMITS: Provisioning.Limits = { ...Provisioning.defaultLimits, eventsMaxBytes: 64 * 1024 ** 2 }

export interface Harness {
  readonly emulator: RunningEmulator
  readonly admin: AdminClient
  readonly apiKey: string
  readonly ns: Namespace.Namespace
  readonly nc: NatsConnection
  readonly natsUrl: string
  readonly run: <A, E>(effect: Effect.Effect<A, E, Nats.Nats | Secrets.SecretKeys>) => Promise<A>
  readonly createSync: (options?: Partial<SyncStore.NewSync>) => Promise<SyncConfig.SyncConfig>
  /**
   * A replica in this process; returns a function that stops it. With `logs`, every line it logs (JSON, from info up) is
   * pushed there; with `secretKey`, it runs with that TRIBUTARY_SECRET_KEY instead of the one the harness stores syncs with;
   * with `withoutConnectors`, it has no connector at all (as a replica of a version without a sync's source's).
   */
  readonly replica: (
    id: string,
    settings?: Partial<Settings.SyncSettings>,
    logs?: Array<string>,
    options?: ReplicaOptions
  ) => Promise<() => Promise<void>>
  readonly status: (sync: Ids.SyncId) => Promise<SyncStatus.SyncStatus | undefined>
  readonly waitForPhase: (sync: Ids.SyncId, phases: ReadonlyArray<SyncStatus.Phase>, timeoutMs?: number) => Promise<SyncStatus.SyncStatus>
  readonly records: (sync: Ids.SyncId) => ReturnType<typeof Records.read>
  readonly close: () => Promise<void>
}

export interface ReplicaOptions {
  readonly secretKey?: string
  readonly withoutConnectors?: boolean
}

/** The connectors of a replica of another version, which has none of this version's. */
/** Deletes the namespace's streams and KV buckets from the server. */
const removeStreams = async (nc: NatsConnection, ns: Namespace.Namespace): Promise<void> => {
  const jsm = await jetstreamManager(nc)
  const prefix = ns.streams.records.replace(/RECORDS$/, "")
  for await (const name of jsm.streams.names()) {
    const ours = (prefix !== "" && name.startsWith(prefix)) || name.startsWith(`KV_${ns.root}_`)
    if (ours) await jsm.streams.delete(name).catch(() => false)
  }
}

const noConnectors = Layer.succeed(Connectors.Connectors, { forSource: () => undefined })

export interface Options {
  readonly customers: number
  readonly rateLimitPerSecond?: number
  readonly seed?: number
  /** A nats-server of the test's own (one it stops and restarts) instead of the shared one. */
  readonly natsUrl?: string
}

export const make = async (options: Options): Promise<Harness> => {
  const emulator = await Emulator.start({
    customers: options.customers,
    rateLimitPerSecond: options.rateLimitPerSecond ?? 0,
    seed: options.seed ?? 42
  })
  const apiKey = emulator.apiKeys[0] ?? ""
  const ns = Fixtures.namespace()
  const natsUrl = options.natsUrl ?? Fixtures.natsUrl()
  // Reconnecting for as long as it takes, as the services do, through a restart of the server.
  const nc = await connect({ servers: natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 250 })
  const scope = Effect.runSync(Scope.make())
  const layer = Layer.mergeAll(
    Nats.layer(Fixtures.natsSettings(ns, natsUrl)),
    Secrets.layer(Redacted.make(SECRET_KEY)),
    Log.layer("sync-test", "warn")
  )
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const run = <A, E>(effect: Effect.Effect<A, E, Nats.Nats | Secrets.SecretKeys>) =>
    Effect.runPromise(effect.pipe(Effect.provide(context), Effect.provide(Log.layer("sync-test", "warn"))))
  await run(Provisioning.ensure(LIMITS))
  const stops: Array<() => Promise<void>> = []

  const replica = async (
    id: string,
    settings: Partial<Settings.SyncSettings> = {},
    logs?: Array<string>,
    options: ReplicaOptions = {}
  ) => {
    const destination = logs === undefined ? undefined : { write: (line: string) => void logs.push(line) }
    const ownSecretKey = options.secretKey === undefined ? Layer.empty : Secrets.layer(Redacted.make(options.secretKey))
    const fiber = Effect.runFork(
      Layer.launch(Service.layerWith(
        { ...Settings.defaults(id), httpPort: 0, leaseTtlMs: 3000, ...settings },
        LIMITS,
        options.withoutConnectors === true ? noConnectors : Connectors.layer
      )).pipe(
        // Provided before the harness's context, so it wins over the harness's secret key.
        Effect.provide(ownSecretKey),
        Effect.provide(context),
        // Loggers are fiber state, not services: each fiber tree needs the layer itself.
        Effect.provide(Log.layer(`sync-${id}`, logs === undefined ? "warn" : "info", destination)),
        Effect.provide(Env.layer({ TRIBUTARY_METRICS_TOKEN: METRICS_TOKEN }))
      )
    )
    let stopped = false
    const stop = async () => {
      if (stopped) return
      stopped = true
      const exit = await Effect.runPromise(Fiber.interrupt(fiber))
      if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) throw new Error(`replica ${id} failed: ${String(exit.cause)}`)
    }
    stops.push(stop)
    return stop
  }

  const status = (sync: Ids.SyncId) => run(SyncStore.status(sync)).then(Option.getOrUndefined)

  return {
    emulator,
    admin: emulator.admin(),
    apiKey,
    ns,
    nc,
    natsUrl,
    run,
    createSync: (given = {}) =>
      run(SyncStore.create({ source: "stripe", api_key: apiKey, api_base_url: emulator.url, ...given })),
    replica,
    status,
    waitForPhase: (sync, phases, timeoutMs = 60_000) =>
      Fixtures.waitFor(`sync ${sync} to be ${phases.join(" or ")}`, async () => {
        const s = await status(sync)
        return s !== undefined && phases.includes(s.phase) ? s : undefined
      }, { timeoutMs, intervalMs: 100 }),
    records: (sync) => Records.read(nc, ns, sync),
    close: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined)
      // Give the server its storage back: this namespace's streams and buckets go. Best effort:
      // after a test restarted a private server, this client may still be reconnecting, and what
      // it sends meanwhile is dropped (the request would time out); that server goes anyway.
      await removeStreams(nc, ns).catch(() => undefined)
      await nc.close()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await emulator.stop()
    }
  }
}

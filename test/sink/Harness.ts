/**
 * What the sink tests share: a namespace and a database of their own, sink replicas
 * running in this process, and records published the way the sync publishes them.
 */
import type {} from "@tributary/testkit/globalSetup"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { Collection, Database, DeadLetters, Env as ConfigEnv, Headers, Ids, Log, Nats, Provisioning, Record, Subjects } from "@tributary/core"
import type { Errors } from "@tributary/core"
import { Http, Metrics, Readiness, Sink, SinkSettings } from "@tributary/sink"
import { Tables } from "@tributary/tables"
import type { TablesConfig } from "@tributary/tables"
import { Fixtures } from "@tributary/testkit"
import { Effect, Layer, Schema } from "effect"
import type { Fiber } from "effect"
import type { Scope } from "effect"
import pg from "pg"

export const SYNC = Ids.SyncId.make("sync_sink")

/** The metrics token of the replicas' HTTP servers: with it, `/readyz` says why not. */
export const METRICS_TOKEN = "sink-test-metrics-token"

export interface Env {
  readonly ns: ReturnType<typeof Fixtures.namespace>
  /** The test's own connection, for publishing and reading streams. */
  readonly nats: Nats.NatsClient
  readonly natsUrl: string
  readonly postgresUrl: string
  readonly pool: pg.Pool
}

/** A namespace with its streams, a fresh database, and a pool on it for assertions. */
export const env = (
  options: { natsUrl?: string; postgresUrl?: string; ns?: ReturnType<typeof Fixtures.namespace> } = {}
): Effect.Effect<Env, never, Scope.Scope> =>
  Effect.gen(function*() {
    const ns = options.ns ?? Fixtures.namespace()
    const natsUrl = options.natsUrl ?? Fixtures.natsUrl()
    const postgresUrl = options.postgresUrl ?? (yield* Effect.promise(() => Fixtures.freshDatabase("sink")))
    const nats = yield* Nats.make(Fixtures.natsSettings(ns, natsUrl), "sink-test-client").pipe(Effect.orDie)
    // JetStream reserves each stream's max_bytes from the server's store: many namespaces in one
    // run would run out with the production EVENTS limit, so tests keep it small and clean up.
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        for await (const name of nats.jsm.streams.names()) {
          if (name.startsWith(ns.streams.records.replace(/RECORDS$/, "")) || name.startsWith(`KV_${ns.root}_`)) {
            await nats.jsm.streams.delete(name).catch(() => false)
          }
        }
      }))
    yield* Provisioning.ensure({ ...Provisioning.defaultLimits, eventsMaxBytes: 64 * 1024 ** 2 }).pipe(
      Effect.provide(Layer.merge(Layer.succeed(Nats.Nats, nats), Log.layer("test", "warn"))),
      Effect.orDie
    )
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 })
        pool.on("error", () => undefined)
        return pool
      }),
      (pool) => Effect.promise(() => pool.end())
    )
    return { ns, nats, natsUrl, postgresUrl, pool }
  })

export interface Replica {
  readonly metrics: Metrics.SinkMetrics
  readonly readiness: Readiness.ReadinessService
  /** The sink itself: it ends only when a part of it stops (or the test's scope closes). */
  readonly sink: Fiber.RuntimeFiber<never, Errors.StreamConfigConflict | Errors.MaxPayloadTooSmall>
}

/** One sink replica with its own connections, running until the test's scope closes. */
export const replica = (
  env: Env,
  settings: Partial<SinkSettings.SinkSettings> = {},
  tablesConfig: TablesConfig.TablesConfig = {},
  options: { readonly httpPort?: number; readonly run?: Sink.RunOptions } = {}
): Effect.Effect<Replica, never, Scope.Scope> =>
  Effect.gen(function*() {
    const metrics = Metrics.make()
    const resources = Layer.mergeAll(
      Nats.layer(Fixtures.natsSettings(env.ns, env.natsUrl), "sink-test"),
      Database.layer(Fixtures.postgresSettings(env.postgresUrl, 6), "sink-test")
    )
    const services = Layer.mergeAll(Tables.layer(tablesConfig), Readiness.layer).pipe(
      Layer.provideMerge(Layer.succeed(Metrics.Metrics, metrics)),
      Layer.provideMerge(resources)
    )
    const context = yield* Layer.build(Layer.merge(services, Log.layer("sink", "warn")))
    const readiness = Readiness.Readiness.pipe(Effect.provide(context))
    const sink = yield* Sink.run({ ...SinkSettings.defaults, port: 0, ...settings }, options.run).pipe(
      Effect.provide(context),
      Effect.forkScoped
    )
    if (options.httpPort !== undefined) {
      yield* Layer.launch(Http.layer("127.0.0.1", options.httpPort)).pipe(
        Effect.provide(context),
        Effect.provide(ConfigEnv.layer({ TRIBUTARY_METRICS_TOKEN: METRICS_TOKEN })),
        Effect.forkScoped
      )
    }
    return { metrics, readiness: yield* readiness, sink }
  }).pipe(Effect.orDie)

const encode = Schema.encodeSync(Record.Record)

export interface RecordOptions {
  readonly collection?: string
  readonly upstreamId: string
  readonly updatedIdx: number
  readonly deleted?: boolean
  readonly data?: Readonly<globalThis.Record<string, unknown>>
  readonly sync?: Ids.SyncId
}

export const record = (options: RecordOptions): Record.Record => {
  const collection = Collection.CollectionId.make(options.collection ?? "stripe:customer")
  const sync = options.sync ?? SYNC
  return new Record.Record({
    id: Record.recordIdFor(sync, collection, options.upstreamId),
    upstream_id: Ids.UpstreamId.make(options.upstreamId),
    collection_id: collection,
    sync: { id: sync, external_id: "tenant_1", metadata: {} },
    deleted: options.deleted ?? false,
    updated_idx: options.updatedIdx,
    upstream_created_at: "2024-01-01T00:00:00.000Z",
    upstream_updated_at: "2024-01-02T00:00:00.000Z",
    data: options.data ?? { id: options.upstreamId, email: `${options.upstreamId}@example.com`, version: options.updatedIdx }
  })
}

/** Publish records to RECORDS as the sync does: subject per record, identifying headers, JSON body. */
export const publish = (env: Env, records: ReadonlyArray<Record.Record>, body?: (r: Record.Record) => string) =>
  Effect.gen(function*() {
    const nats = env.nats
    yield* Effect.promise(() => {
      const acks = records.map((r) => {
        const h = natsHeaders()
        for (const [name, value] of Headers.identityOf(r)) h.set(name, value)
        const subject = Subjects.forRecord(env.ns, "records", r.sync.id, r.collection_id, r.upstream_id)
        return nats.js.publish(subject, body === undefined ? JSON.stringify(encode(r)) : body(r), { headers: h, timeout: 30_000 })
      })
      return Promise.all(acks)
    })
  })

/** Rows of a query; a failure (the table not there yet) is an error `until` retries. */
export const rows = <R extends pg.QueryResultRow>(env: Env, sql: string, values: ReadonlyArray<unknown> = []) =>
  Effect.tryPromise(() => env.pool.query<R>(sql, [...values]).then((r) => r.rows))

/** Wait until `probe` holds, polling; never a fixed sleep. */
export const until = <E>(what: string, probe: Effect.Effect<boolean, E>, timeoutMs = 30_000) =>
  Fixtures.eventually(what, Effect.map(probe, (ok) => ok ? true : undefined), { timeoutMs, intervalMs: 100 }).pipe(Effect.orDie)

export const countOf = (env: Env, table: string) =>
  Effect.promise(() =>
    env.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`).then((r) => r.rows[0]!.n, () => -1))

/** Every message on the namespace's dead-letter stream, oldest first. */
export const deadLetters = (env: Env) =>
  Effect.gen(function*() {
    const nats = env.nats
    return yield* Effect.promise(async () => {
      const stream = DeadLetters.streamName(env.ns)
      const info = await nats.jsm.streams.info(stream)
      const out = []
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const message = await nats.jsm.streams.getMessage(stream, { seq })
        if (message !== null) {
          out.push({ subject: message.subject, headers: message.header, body: message.string(), data: message.data })
        }
      }
      return out
    })
  })

/** Records a replica has committed and acked (whether or not the guard let them change a row). */
export const written = (replica: Replica) =>
  Effect.promise(() => replica.metrics.records.get()).pipe(
    Effect.map((metric) => metric.values.find((v) => v.labels.outcome === "written")?.value ?? 0)
  )

/** Batches a replica failed to write (and kept, to retry). */
export const failedBatches = (replica: Replica) =>
  Effect.promise(() => replica.metrics.batches.get()).pipe(
    Effect.map((metric) => metric.values.find((v) => v.labels.outcome === "failed")?.value ?? 0)
  )

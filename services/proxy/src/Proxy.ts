/**
 * The proxy as a scoped resource: synced tables ensured and granted, the parser loaded,
 * the listener started; everything closed with the scope.
 */
import { Sources } from "@tributary/connectors"
import { Database, Log, MetricsAccess, Nats, ProxyCredentials, Secrets, Settings } from "@tributary/core"
import type { Connector } from "@tributary/core"
import { Tables, TablesConfig } from "@tributary/tables"
import { Config, Effect, Either, Layer, Runtime } from "effect"
import * as Health from "./http/Health.js"
import { listen } from "./Listener.js"
import { CredentialsUnavailable } from "./session/Handshake.js"
import * as UnexpectedFailure from "./session/UnexpectedFailure.js"
import type { Listening } from "./Listener.js"
import * as Metrics from "./Metrics.js"
import * as ProxySettings from "./ProxySettings.js"
import * as ReplicaCancels from "./ReplicaCancels.js"
import * as Classify from "./sql/Classify.js"
import * as SearchPath from "./sql/SearchPath.js"
import * as SyncedTables from "./sql/SyncedTables.js"
import type { WritePlan } from "./sql/WritePlan.js"
import type { Report } from "./wire/Backend.js"
import * as UpstreamTarget from "./upstream/UpstreamTarget.js"
import * as Executor from "./writes/Executor.js"
import * as Grants from "./writes/Grants.js"
import * as ReaderSessions from "./writes/ReaderSessions.js"
import * as WriterDirectory from "./writes/WriterDirectory.js"
import * as Workers from "./Workers.js"

export interface Options {
  /** The HTTP port is the service's (`layer`), not the proxy's. */
  readonly settings: Omit<ProxySettings.Resolved, "httpPort">
  readonly tables: TablesConfig.TablesConfig
  readonly connectors?: ReadonlyArray<Connector.Connector>
}

const syncedTablesOf = (tables: Tables.TablesService, connectors: ReadonlyArray<Connector.Connector>) =>
  SyncedTables.make(
    connectors.flatMap((connector) => connector.collections).flatMap(({ id }) => {
      const target = tables.target(id)
      if (target._tag !== "Managed") return []
      const computes = (path: ReadonlyArray<string>) => connectors.some((c) => c.computes(id, path.join(".")))
      const settable = target.columns.filter((c) => !computes(c.path))
      const writable = new Map(settable.map((c) => [c.name, { name: c.name, type: c.type, path: c.path }] as const))
      const computed = new Set(target.columns.filter((c) => computes(c.path)).map((c) => c.name))
      return [{ collection: id, schema: target.name.schema, table: target.name.table, writable, computed }]
    })
  )

/**
 * A write while the NATS connection is lost: the sync's config (API key, account) is read
 * from NATS, and answering now beats waiting for the read to time out. Nothing has reached
 * the API, so it is HV00N, the code of a write that could not reach its remote and wrote
 * nothing (as when the API itself is unreachable), which clients may retry; not 57P03 or
 * class 08, which pools take for a broken connection and drop, when the session is fine.
 */
const refusedWhileNatsLost = (plan: WritePlan, reason: string): Report => ({
  severity: "ERROR",
  code: "HV00N",
  message: `cannot write to ${plan.relation.table.schema}.${plan.relation.table.table} now: ${reason}`,
  hint: "Nothing was written. The proxy reads each sync's config from NATS; retry when NATS is back.",
  schema: plan.relation.table.schema,
  table: plan.relation.table.table
})

export const make = (options: Options) =>
  Effect.gen(function*() {
    const connectors = options.connectors ?? Sources.all()
    const { pool } = yield* Database.Database
    // The owner pool is the proxy's own: each apply's upsert is planned once per connection.
    const tables = Tables.make(pool, options.tables, { namedStatements: true })
    const upstream = UpstreamTarget.fromUrl(ProxySettings.upstreamUrlText(options.settings))
    yield* Effect.promise(Classify.load)
    yield* tables.ensure(connectors.flatMap((c) => c.collections.map((spec) => spec.id)))
    const synced = syncedTablesOf(tables, connectors)
    const granted = yield* Database.tryDatabase("grant SELECT to the client role", () => Grants.ensure(pool, upstream.user, synced.schemas))
    if (granted !== "granted") {
      yield* Effect.logWarning(
        `TRIBUTARY_PROXY_UPSTREAM_URL logs in as ${upstream.user}, which is ${granted === "owner" ? "the owner of the synced tables" : "a superuser"}: ` +
          "writes that bypass the proxy will not be refused. Give the proxy a role of its own that may only read."
      )
    }
    const classifier = Classify.make(synced)
    // The user's own SQL in a write is evaluated as the client role, on connections of its own,
    // cleaned after every use: they serve every session, whatever its sync.
    const readerPool = yield* Effect.acquireRelease(
      Effect.sync(() => ReaderSessions.pool(ProxySettings.upstreamUrlText(options.settings), 10)),
      (pool) => Effect.promise(() => pool.end())
    )
    Database.guardCheckedOut(readerPool).on("error", () => undefined)
    const readers = ReaderSessions.make(readerPool)
    const resolveNames = SearchPath.resolver(readers)

    const runtime = yield* Effect.runtime<Nats.Nats | Secrets.SecretKeys>()
    const nats = yield* Nats.Nats
    const scope = yield* Effect.scope
    const writers = WriterDirectory.make(connectors, runtime, scope, { configReadTimeoutMs: options.settings.natsReadTimeoutMs })
    const log = (level: "info" | "warn" | "error", message: string, fields: Record<string, unknown> = {}) =>
      Runtime.runFork(runtime)(
        (level === "error" ? Effect.logError(message) : level === "warn" ? Effect.logWarning(message) : Effect.logInfo(message))
          .pipe(Effect.annotateLogs(fields))
      )
    const executor = Executor.make({
      pool,
      apiTimeoutMs: options.settings.apiTimeoutMs,
      readers,
      writerFor: writers.writerFor,
      apply: (client, records, config) =>
        Runtime.runPromise(runtime)(
          Effect.asVoid(tables.applyEncoded(client, records, { syncDeleteMode: () => config.delete_mode }))
        ),
      appliesInOneStatement: (records, config) => tables.appliesInOneStatement(records, { syncDeleteMode: () => config.delete_mode }),
      unexpected: (error) => log("error", "a write failed in the proxy, unforeseen", { stack: UnexpectedFailure.stackOf(error) })
    })
    let sessions = () => 0
    const metrics = Metrics.make(() => sessions())
    const execute = async (
      credential: ProxyCredentials.ProxyCredential,
      request: Parameters<typeof executor.execute>[1],
      canceled: AbortSignal
    ) => {
      const started = performance.now()
      const natsLost = nats.unusable()
      const outcome = natsLost === undefined
        ? await executor.execute(credential, request, canceled)
        : { ok: false as const, report: refusedWhileNatsLost(request.write, natsLost) }
      const { action, relation: { table } } = request.write
      metrics.writes.inc({ table: `${table.schema}.${table.table}`, action, sqlstate: outcome.ok ? "00000" : outcome.report.code })
      metrics.writeSeconds.observe({ action }, (performance.now() - started) / 1000)
      return outcome
    }
    const lookup = async (user: string) => {
      // Reading the credential would wait for its timeout.
      const natsLost = nats.unusable()
      if (natsLost !== undefined) throw new CredentialsUnavailable(user, natsLost)
      const read = await Runtime.runPromise(runtime)(
        Effect.either(ProxyCredentials.get(user, { timeoutMs: options.settings.natsReadTimeoutMs }))
      )
      if (Either.isLeft(read)) {
        const failure = read.left
        throw new CredentialsUnavailable(user, failure.timedOut === true ? `NATS did not answer (${failure.detail})` : failure.message)
      }
      return read.right
    }
    // Set once the listener's cancels can be shared, below.
    const foreignCancels: { forward?: (processId: number, secret: number) => void } = {}
    const listening: Listening = yield* Effect.acquireRelease(
      Effect.promise(() =>
        listen<WritePlan>({
          host: options.settings.host,
          port: options.settings.port,
          upstream,
          tls: options.settings.tls,
          lookup,
          writesFor: (credential) => ({
            verdict: classifier.verdict,
            certainlyPasses: classifier.certainlyPasses,
            execute: (request, canceled) => execute(credential, request, canceled),
            resolveNames
          }),
          log,
          onLogin: (outcome) => metrics.logins.inc({ outcome }),
          onForeignCancel: (processId, secret) => foreignCancels.forward?.(processId, secret)
        })
      ),
      (listening) => Effect.promise(listening.close)
    )
    const shared = Workers.shareCancels(listening.cancel)
    if (shared !== undefined) yield* Effect.addFinalizer(() => Effect.sync(shared.stop))
    const replicas = ReplicaCancels.share(nats, listening.cancel)
    yield* Effect.addFinalizer(() => Effect.sync(replicas.stop))
    // Through NATS every worker of every replica hears it, this replica's included; only while
    // NATS is lost does it go to this replica's other workers alone (one path, never both: a
    // cancel acted on twice could reach the session's next statement).
    foreignCancels.forward = (processId, secret) =>
      nats.unusable() === undefined ? replicas.forward(processId, secret) : shared?.forward(processId, secret)
    const sharedMetrics = Workers.shareMetrics(metrics.registry)
    if (sharedMetrics !== undefined) yield* Effect.addFinalizer(() => Effect.sync(sharedMetrics.stop))
    const metricsText = sharedMetrics?.text ?? (() => metrics.registry.metrics())
    sessions = listening.sessions
    yield* Effect.logInfo(`proxy listening on ${options.settings.host}:${listening.port}, upstream ${upstream.host}:${upstream.port}`)
    return { ...listening, metrics, metricsText }
  })

/**
 * Everything the proxy reads from `TRIBUTARY_*`, as one `Config`, read before anything
 * connects: the groups of one `Config.all` are all checked, so every bad value is reported
 * at once, not one restart at a time.
 */
export const config = Config.all({
  proxy: ProxySettings.config,
  tables: TablesConfig.fromEnv,
  nats: Settings.nats,
  postgres: Settings.postgres,
  secretKey: Settings.secretKey,
  log: Settings.log,
  // Read again by the health server; here to be reported with the rest.
  metricsToken: MetricsAccess.token
})

/** What must hold beyond the variables before a worker starts: the TLS files can be used. */
export const usable = (read: Config.Config.Success<typeof config>) => ProxySettings.resolve(read.proxy)

/** The service, everything from `TRIBUTARY_*`: what `main.ts` runs (in each worker). */
export const layerConfig = Layer.unwrapEffect(Effect.gen(function*() {
  const { log, nats, postgres, proxy, secretKey, tables } = yield* config
  const settings = yield* ProxySettings.resolve(proxy)
  const service = Layer.scopedDiscard(Effect.gen(function*() {
    const { metricsText } = yield* make({ settings, tables })
    yield* Layer.build(Health.layer(settings.host, settings.httpPort, metricsText, settings.natsReadTimeoutMs))
  }))
  return service.pipe(
    Layer.provide(Layer.mergeAll(Database.layer(postgres, "tributary-proxy"), Nats.layer(nats, "tributary-proxy"), Secrets.layer(secretKey))),
    Layer.provide(Log.layer("proxy", log.level))
  )
}))

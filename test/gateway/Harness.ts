/**
 * Two (or more) gateway replicas in this process, on their own ports, over one namespace of
 * the shared test nats-server (or of `natsUrl`, a test's private one); a token; and helpers to publish records and events the way
 * the sync service does.
 */
import { HttpServer } from "@effect/platform"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { Gateway } from "@tributary/consume-gateway"
import { ApiTokens, Collection, Headers, Ids, Log, Nats, Record, Secrets, Subjects } from "@tributary/core"
import type { Namespace } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"

export const SECRET = Redacted.make("gateway-test-secret-key-0123456789abcdef")

export interface Replica {
  readonly url: string
  /** The replica's own NATS connection (to cut it, as a network would). */
  readonly nats: Nats.NatsClient
  readonly close: () => Promise<void>
}

export interface Stack {
  readonly ns: Namespace.Namespace
  readonly replicas: ReadonlyArray<Replica>
  readonly token: string
  readonly nats: Nats.NatsClient
  /** Call the API of replica `i` with the stack's token (or `token`). */
  readonly call: (i: number, method: string, path: string, body?: unknown, token?: string | null) => Promise<Response>
  readonly json: <A = unknown>(i: number, method: string, path: string, body?: unknown) => Promise<A>
  readonly close: () => Promise<void>
}

export const METRICS_TOKEN = "gateway-test-metrics-token"

export const settings = {
  port: 0,
  host: "127.0.0.1",
  maxWaiting: 256,
  withholdMaxMs: 1_000,
  metricsToken: Option.some(Redacted.make(METRICS_TOKEN))
}

/** Where a replica's log lines go (one JSON line per `write`): stdout unless a test reads them. */
export type LogDestination = NonNullable<Parameters<typeof Log.layer>[2]>

export const startReplica = async (
  ns: Namespace.Namespace,
  name: string,
  overrides: Partial<typeof settings> = {},
  logs?: LogDestination,
  natsUrl?: string
): Promise<Replica> => {
  const layer = Gateway.layer({ ...settings, ...overrides }).pipe(
    Layer.provideMerge(Layer.mergeAll(Nats.layer(Fixtures.natsSettings(ns, natsUrl), name), Secrets.layer(SECRET))),
    Layer.provide(Log.layer(name, "warn", logs))
  )
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const address = Context.get(context, HttpServer.HttpServer).address
  if (address._tag !== "TcpAddress") throw new Error("gateway is not listening on TCP")
  return {
    url: `http://127.0.0.1:${address.port}`,
    nats: Context.get(context, Nats.Nats),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

export const start = async (
  count = 2,
  overrides: Partial<typeof settings> = {},
  logs?: LogDestination,
  natsUrl?: string
): Promise<Stack> => {
  const ns = Fixtures.namespace()
  const replicas: Array<Replica> = []
  for (let i = 0; i < count; i++) replicas.push(await startReplica(ns, `gateway-${i}`, overrides, logs, natsUrl))
  const natsScope = Effect.runSync(Scope.make())
  const natsContext = await Effect.runPromise(Layer.buildWithScope(Nats.layer(Fixtures.natsSettings(ns, natsUrl), "test"), natsScope))
  const nats = Context.get(natsContext, Nats.Nats)
  const { token } = await Effect.runPromise(ApiTokens.create("test").pipe(Effect.provideService(Nats.Nats, nats)))
  const call = (i: number, method: string, path: string, body?: unknown, as: string | null = token) =>
    fetch(`${replicas[i % replicas.length]!.url}${path}`, {
      method,
      headers: {
        ...(as === null ? {} : { authorization: `Bearer ${as}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  const json = async <A>(i: number, method: string, path: string, body?: unknown): Promise<A> => {
    const response = await call(i, method, path, body)
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`)
    return (text === "" ? undefined : JSON.parse(text)) as A
  }
  return {
    ns,
    replicas,
    token,
    nats,
    call,
    json,
    close: async () => {
      for (const r of replicas) await r.close()
      await Effect.runPromise(Scope.close(natsScope, Exit.void))
    }
  }
}

export const SYNC = Ids.SyncId.make("sync_a")
export const CUSTOMER = Collection.CollectionId.make("stripe:customer")

export interface RecordRef {
  readonly sync?: Ids.SyncId
  readonly collection?: Collection.CollectionId
  readonly id: string
  readonly idx: number
  readonly data?: Record<string, unknown>
}

const body = (ref: RecordRef) => {
  const sync = ref.sync ?? SYNC
  const collection = ref.collection ?? CUSTOMER
  return {
    id: Record.recordIdFor(sync, collection, ref.id),
    upstream_id: ref.id,
    collection_id: collection,
    sync: { id: sync, external_id: null, metadata: {} },
    deleted: false,
    updated_idx: ref.idx,
    upstream_created_at: null,
    upstream_updated_at: null,
    data: { id: ref.id, ...ref.data }
  }
}

const headersFor = (ref: RecordRef) => {
  const b = body(ref)
  const h = natsHeaders()
  h.set(Headers.RECORD_ID, b.id)
  h.set(Headers.UPSTREAM_ID, ref.id)
  h.set(Headers.COLLECTION, b.collection_id)
  h.set(Headers.SYNC_ID, b.sync.id)
  h.set(Headers.UPDATED_IDX, String(ref.idx))
  return h
}

/** Publish record versions to RECORDS, as the sync service does. */
export const publishRecords = async (stack: Stack, refs: ReadonlyArray<RecordRef>) => {
  const subjects = refs.map((ref) => Subjects.forRecord(stack.ns, "records", ref.sync ?? SYNC, ref.collection ?? CUSTOMER, ref.id))
  for (let at = 0; at < refs.length; at += 500) {
    await Promise.all(refs.slice(at, at + 500).map((ref, i) =>
      stack.nats.js.publish(subjects[at + i]!, JSON.stringify(body(ref)), { headers: headersFor(ref) })))
  }
}

/** Publish change events to EVENTS (one per ref, in order). */
export const publishEvents = async (stack: Stack, refs: ReadonlyArray<RecordRef>) => {
  for (const ref of refs) {
    const b = body(ref)
    const subject = Subjects.forRecord(stack.ns, "events", ref.sync ?? SYNC, ref.collection ?? CUSTOMER, ref.id)
    const h = headersFor(ref)
    h.set(Headers.ACTION, ref.idx === 1 ? "created" : "updated")
    await stack.nats.js.publish(subject, JSON.stringify({
      id: `evt_${ref.id}_${ref.idx}`,
      record_id: b.id,
      upstream_id: ref.id,
      collection_id: b.collection_id,
      sync: b.sync,
      action: ref.idx === 1 ? "created" : "updated",
      changes: null,
      updated_idx: ref.idx,
      upstream_updated_at: null,
      data: b.data
    }), { headers: h })
  }
}

export interface Delivered {
  readonly ack_token: string
  readonly record?: ReturnType<typeof body>
  readonly event?: { readonly upstream_id: string; readonly updated_idx: number }
}

export interface NextBody {
  readonly data: ReadonlyArray<Delivered>
  readonly info: { readonly num_pending: number; readonly num_ack_pending: number }
}

export const next = (stack: Stack, i: number, consumer: string, batch = 10, waitFor = 0) =>
  stack.json<NextBody>(i, "GET", `/v1/consumers/${consumer}/next?batch_size=${batch}&wait_for=${waitFor}`)

export const ack = (stack: Stack, i: number, consumer: string, tokens: ReadonlyArray<string>) =>
  stack.call(i, "POST", `/v1/consumers/${consumer}/ack`, { ack_tokens: tokens })

export const createConsumer = (stack: Stack, config: Record<string, unknown>) =>
  stack.json<Record<string, unknown>>(0, "POST", "/v1/consumers", config)

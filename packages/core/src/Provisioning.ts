/**
 * Streams and KV buckets, declared as data and reconciled against the server. Running
 * `ensure` twice changes nothing; a setting someone changed by hand (drift) is put back,
 * and a setting JetStream cannot change in place fails with `StreamConfigConflict`.
 *
 * The replica count is the operator's: `tributary provision --replicas N` sets it, and every
 * service starting afterwards keeps it (a service that put back its own default would undo a
 * cluster's R3 at each start). What a service creates later follows `RECORDS`.
 */
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import type { StreamConfig, StreamInfo } from "@nats-io/jetstream"
import { Effect } from "effect"
import { StreamConfigConflict } from "./Errors.js"
import type { NatsError } from "./Errors.js"
import { Nats, tryNats } from "./Nats.js"
import type { NatsClient } from "./Nats.js"
import type { Namespace } from "./Namespace.js"
import * as Subjects from "./Subjects.js"

export interface Limits {
  /** How long `EVENTS` keeps a change. */
  readonly eventsMaxAgeMs: number
  /** How many bytes `EVENTS` keeps before dropping the oldest changes. */
  readonly eventsMaxBytes: number
  /**
   * JetStream replicas per stream and bucket (3 in a production cluster). Unset: each existing
   * one keeps its own, and a missing one gets `RECORDS`' count (1 when there is no `RECORDS`).
   */
  readonly replicas?: number | undefined
}

export const defaultLimits: Limits = {
  eventsMaxAgeMs: 7 * 24 * 3600 * 1000,
  eventsMaxBytes: 10 * 1024 ** 3
}

/** The settings Tributary owns on a stream. Anything else is left as the operator set it. */
export type StreamSpec = Pick<
  StreamConfig,
  | "name" | "subjects" | "retention" | "storage" | "max_msgs_per_subject" | "max_age" | "max_bytes"
  | "discard" | "duplicate_window" | "allow_direct" | "num_replicas"
>

/** Settings JetStream refuses to change on an existing stream. */
const IMMUTABLE: ReadonlyArray<keyof StreamSpec> = ["retention", "storage"]

const TWO_MINUTES = nanos(120_000)

export const streamSpecs = (ns: Namespace, limits: Limits): ReadonlyArray<StreamSpec> => specsWith(ns, limits, limits.replicas ?? 1)

const specsWith = (ns: Namespace, limits: Limits, replicas: number): ReadonlyArray<StreamSpec> => [
  {
    name: ns.streams.records,
    subjects: [Subjects.all(ns, "records")],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    max_age: 0,
    max_bytes: -1,
    discard: DiscardPolicy.Old,
    duplicate_window: TWO_MINUTES,
    allow_direct: true,
    num_replicas: replicas
  },
  {
    name: ns.streams.events,
    subjects: [Subjects.all(ns, "events")],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: -1,
    max_age: nanos(limits.eventsMaxAgeMs),
    max_bytes: limits.eventsMaxBytes,
    discard: DiscardPolicy.Old,
    duplicate_window: TWO_MINUTES,
    allow_direct: true,
    num_replicas: replicas
  },
  {
    name: ns.streams.syncLog,
    subjects: [`${ns.root}.synclog.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 10_000,
    max_age: 0,
    max_bytes: -1,
    discard: DiscardPolicy.Old,
    duplicate_window: TWO_MINUTES,
    allow_direct: true,
    num_replicas: replicas
  }
]

export interface BucketSpec {
  readonly name: string
  /** Values kept per key. */
  readonly history: number
  /** Entries older than this expire (0: never). */
  readonly maxAgeMs: number
}

export const bucketSpecs = (ns: Namespace): ReadonlyArray<BucketSpec> => [
  { name: ns.buckets.syncs, history: 5, maxAgeMs: 0 },
  { name: ns.buckets.checkpoints, history: 1, maxAgeMs: 0 },
  { name: ns.buckets.leases, history: 1, maxAgeMs: 0 },
  { name: ns.buckets.consumers, history: 5, maxAgeMs: 0 },
  // Leases and settlements of delivered messages: worthless once the message has left EVENTS.
  { name: ns.buckets.inflight, history: 1, maxAgeMs: 7 * 24 * 3600 * 1000 },
  { name: ns.buckets.tokens, history: 1, maxAgeMs: 0 }
]

export interface Drift {
  readonly field: keyof StreamSpec
  readonly expected: unknown
  readonly actual: unknown
}

const same = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) && Array.isArray(b)
    ? a.length === b.length && [...a].sort().every((value, i) => value === [...b].sort()[i])
    : a === b

/**
 * Whether an existing resource's replica count is put back to the spec's (`enforce`: the
 * operator asked for it) or left as found (`keep`: a service starting up).
 */
export type ReplicaPolicy = "enforce" | "keep"

/** The fields where an existing stream differs from its spec. */
export const drift = (spec: StreamSpec, actual: Partial<StreamConfig>, replicas: ReplicaPolicy = "enforce"): ReadonlyArray<Drift> =>
  (Object.keys(spec) as Array<keyof StreamSpec>)
    .filter((field) => field !== "name" && !(field === "num_replicas" && replicas === "keep"))
    .filter((field) => !same(spec[field], actual[field]))
    .map((field) => ({ field, expected: spec[field], actual: actual[field] }))

export type Outcome =
  | { readonly resource: string; readonly action: "created" }
  | { readonly resource: string; readonly action: "unchanged" }
  | { readonly resource: string; readonly action: "repaired"; readonly drift: ReadonlyArray<Drift> }

const streamInfo = (client: NatsClient, name: string): Effect.Effect<StreamInfo | undefined, NatsError> =>
  tryNats(`read stream ${name}`, () =>
    client.jsm.streams.info(name).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return undefined
      throw error
    }))

/**
 * How many replicas Tributary's streams were provisioned with: `RECORDS`' count, the first
 * stream `tributary provision` makes, or 1 before there is one.
 */
export const provisionedReplicas = (client: NatsClient): Effect.Effect<number, NatsError> =>
  Effect.map(streamInfo(client, client.ns.streams.records), (info) => info?.config.num_replicas || 1)

const replicasFor = (client: NatsClient, limits: Limits): Effect.Effect<number, NatsError> =>
  limits.replicas === undefined ? provisionedReplicas(client) : Effect.succeed(limits.replicas)

const policyOf = (limits: Limits): ReplicaPolicy => limits.replicas === undefined ? "keep" : "enforce"

const reconcile = (client: NatsClient, spec: StreamSpec, create: Effect.Effect<unknown, NatsError>, replicas: ReplicaPolicy) =>
  Effect.gen(function*() {
    const info = yield* streamInfo(client, spec.name)
    if (info === undefined) {
      yield* create
      return { resource: spec.name, action: "created" } satisfies Outcome
    }
    const found = drift(spec, info.config, replicas)
    if (found.length === 0) return { resource: spec.name, action: "unchanged" } satisfies Outcome
    const fixed = found.find((d) => IMMUTABLE.includes(d.field))
    if (fixed !== undefined) {
      return yield* new StreamConfigConflict({ resource: spec.name, ...fixed })
    }
    const { name: _name, retention: _retention, storage: _storage, num_replicas, ...rest } = spec
    // Under `keep` the stream's own count goes back unchanged, whatever the spec says.
    const mutable = { ...rest, num_replicas: replicas === "keep" ? info.config.num_replicas : num_replicas }
    yield* tryNats(`update stream ${spec.name}`, () => client.jsm.streams.update(spec.name, mutable))
    return { resource: spec.name, action: "repaired", drift: found } satisfies Outcome
  })

/** `keep`: a stream that exists keeps its replica count; one that does not is made with the spec's. */
export const ensureStream = (client: NatsClient, spec: StreamSpec, replicas: ReplicaPolicy = "enforce") =>
  reconcile(client, spec, tryNats(`create stream ${spec.name}`, () => client.jsm.streams.add(spec)), replicas)

/** A KV bucket is a stream named `KV_<bucket>`; only its history, age limit and replicas are ours to set. */
export const ensureBucket = (client: NatsClient, spec: BucketSpec, limits: Limits) =>
  Effect.gen(function*() {
    const stream = `KV_${spec.name}`
    const info = yield* streamInfo(client, stream)
    if (info === undefined) {
      const replicas = yield* replicasFor(client, limits)
      yield* tryNats(`create bucket ${spec.name}`, () =>
        client.kvm.create(spec.name, { history: spec.history, ttl: spec.maxAgeMs, replicas }))
      return { resource: stream, action: "created" } satisfies Outcome
    }
    const wanted = {
      max_msgs_per_subject: spec.history,
      max_age: nanos(spec.maxAgeMs),
      num_replicas: limits.replicas ?? info.config.num_replicas
    }
    const found = (Object.keys(wanted) as Array<keyof typeof wanted>)
      .filter((field) => info.config[field] !== wanted[field])
      .map((field) => ({ field, expected: wanted[field], actual: info.config[field] }))
    if (found.length === 0) return { resource: stream, action: "unchanged" } satisfies Outcome
    yield* tryNats(`update bucket ${spec.name}`, () => client.jsm.streams.update(stream, wanted))
    return { resource: stream, action: "repaired", drift: found } satisfies Outcome
  })

/** Provision every stream and bucket of the client's namespace; safe to run at every start. */
export const ensure = (limits: Limits = defaultLimits) =>
  Effect.gen(function*() {
    const client = yield* Nats
    const replicas = yield* replicasFor(client, limits)
    const streams = yield* Effect.forEach(specsWith(client.ns, limits, replicas), (spec) => ensureStream(client, spec, policyOf(limits)))
    const buckets = yield* Effect.forEach(bucketSpecs(client.ns), (spec) => ensureBucket(client, spec, limits))
    const outcomes = [...streams, ...buckets]
    for (const outcome of outcomes) {
      if (outcome.action !== "unchanged") yield* Effect.logInfo(`${outcome.resource} ${outcome.action}`)
    }
    return outcomes
  }).pipe(Effect.withLogSpan("provisioning"))

/**
 * Sync configs in the `syncs` bucket: the one place that creates, reads, pauses, resumes
 * and deletes them. The CLI and the management API both go through here; the sync
 * service watches the bucket and reacts without a restart.
 */
import { randomBytes } from "node:crypto"
import type { KV } from "@nats-io/kv"
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import type { CollectionId } from "./Collection.js"
import { AlreadyExists, InvalidInput, NotFound } from "./Errors.js"
import type { NatsError } from "./Errors.js"
import { SourceName, SyncId } from "./Ids.js"
import { bucket as openBucket, Nats, tryNats, writeAtRevision } from "./Nats.js"
import type { ReadOptions } from "./Nats.js"
import * as ProxyCredentials from "./ProxyCredentials.js"
import * as Secrets from "./Secrets.js"
import { SupportedSource, SyncConfig, defaultRateBudget } from "./SyncConfig.js"
import type { DeleteMode, RateBudget, SyncState } from "./SyncConfig.js"
import { SyncStatus, key as statusKey } from "./SyncStatus.js"

export interface NewSync {
  readonly id?: SyncId
  readonly source: string
  readonly name?: string
  readonly api_key: string
  readonly account?: string
  readonly api_base_url?: string
  readonly external_id?: string | null
  readonly metadata?: Record<string, unknown>
  readonly rate_budget?: RateBudget
  readonly collections?: "all" | ReadonlyArray<CollectionId>
  readonly delete_mode?: DeleteMode
}

/** The NotFound of something a sync owns (a proxy credential), for callers outside core. */
export const notFound = (kind: string, id: string) => Effect.fail(new NotFound({ kind, id }))

export const newSyncId = (): SyncId => SyncId.make(`sync_${randomBytes(8).toString("hex")}`)

const decode = Schema.decodeUnknown(Schema.parseJson(SyncConfig))
const decodeStatus = Schema.decodeUnknown(Schema.parseJson(SyncStatus))
const encode = Schema.encodeSync(Schema.parseJson(SyncConfig))

const bucket = openBucket("syncs")

const read = (kv: KV, id: SyncId) =>
  Effect.gen(function*() {
    const entry = yield* tryNats(`read sync ${id}`, () => kv.get(id))
    if (entry === null || entry.operation !== "PUT") return Option.none()
    return Option.some(yield* Effect.orDie(decode(entry.string())))
  })

/** Why `url` cannot be a sync's `api_base_url`, or undefined when it can. */
export const problemWithBaseUrl = (url: string): string | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `must be an http:// or https:// URL, like https://api.stripe.com; got ${JSON.stringify(url)}`
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return `must use http:// or https://; got ${parsed.protocol}`
  if (parsed.hostname === "") return `must name a host; got ${JSON.stringify(url)}`
  return undefined
}

/**
 * Why these collections cannot be a sync's, or undefined when they can: each must belong to
 * the sync's source and, when the caller knows what the source's connector offers, be one of those.
 * Exported for the CLI, which asks it while parsing `--collections`, before any connection.
 */
export const problemWithCollections = (
  source: string,
  collections: ReadonlyArray<CollectionId>,
  offered: ReadonlyArray<CollectionId> | undefined
): InvalidInput | undefined => {
  if (collections.length === 0) return new InvalidInput({ field: "collections", detail: `must name at least one collection, or be "all"` })
  for (const [i, collection] of collections.entries()) {
    if (!collection.startsWith(`${source}:`)) {
      return new InvalidInput({ field: `collections[${i}]`, detail: `${collection} is not a collection of ${source}` })
    }
    if (offered !== undefined && !offered.includes(collection)) {
      return new InvalidInput({ field: `collections[${i}]`, detail: `${source} offers no collection ${collection}; it offers ${offered.join(", ")}` })
    }
    // A slip of the operator's: refused (by the API and the CLI alike), not stored twice.
    if (collections.indexOf(collection) < i) {
      return new InvalidInput({ field: `collections[${i}]`, detail: `${collection} is named twice; name each collection once` })
    }
  }
  return undefined
}

/**
 * Create a sync. `offered` is what the source's connector mirrors, when the caller knows it
 * (the CLI and the management API do): a collection outside it is refused here, not later.
 */
export const create = (
  input: NewSync,
  offered?: ReadonlyArray<CollectionId>
): Effect.Effect<SyncConfig, NatsError | InvalidInput | AlreadyExists, Nats | Secrets.SecretKeys> =>
  Effect.gen(function*() {
    const keys = yield* Secrets.SecretKeys
    const source = Schema.decodeUnknownEither(SupportedSource)(input.source)
    if (Either.isLeft(source)) {
      return yield* new InvalidInput({ field: "source", detail: ParseResult.TreeFormatter.formatErrorSync(source.left) })
    }
    if (input.api_key.trim() === "") return yield* new InvalidInput({ field: "api_key", detail: "must not be empty" })
    const urlProblem = input.api_base_url === undefined ? undefined : problemWithBaseUrl(input.api_base_url)
    if (urlProblem !== undefined) return yield* new InvalidInput({ field: "api_base_url", detail: urlProblem })
    if (input.collections !== undefined && input.collections !== "all") {
      const problem = problemWithCollections(source.right, input.collections, offered)
      if (problem !== undefined) return yield* problem
    }
    const kv = yield* bucket
    const config = new SyncConfig({
      id: input.id ?? newSyncId(),
      source: SourceName.make(source.right),
      ...(input.name === undefined ? {} : { name: input.name }),
      api_key: Secrets.encrypt(keys, input.api_key),
      ...(input.account === undefined ? {} : { account: input.account }),
      ...(input.api_base_url === undefined ? {} : { api_base_url: input.api_base_url }),
      external_id: input.external_id ?? null,
      metadata: input.metadata ?? {},
      rate_budget: input.rate_budget ?? defaultRateBudget,
      collections: input.collections ?? "all",
      delete_mode: input.delete_mode ?? "soft",
      state: "active",
      created_at: new Date().toISOString()
    })
    const created = yield* tryNats(`create sync ${config.id}`, () =>
      writeAtRevision(kv, config.id, encode(config), undefined).then((written) => written !== undefined))
    if (!created) return yield* new AlreadyExists({ kind: "sync", id: config.id })
    return config
  })

/** The sync's config; the proxy's writes read it with a timeout of their own (`options.timeoutMs`). */
export const get = (id: SyncId, options: ReadOptions = {}): Effect.Effect<SyncConfig, NatsError | NotFound, Nats> =>
  Effect.flatMap(openBucket("syncs", options), (kv) => read(kv, id)).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new NotFound({ kind: "sync", id })),
      onSome: Effect.succeed
    }))
  )

export const list: Effect.Effect<ReadonlyArray<SyncConfig>, NatsError, Nats> = Effect.gen(function*() {
  const kv = yield* bucket
  const keys = yield* tryNats("list syncs", async () => {
    const out: Array<string> = []
    for await (const key of await kv.keys()) out.push(key)
    return out.sort()
  })
  const found = yield* Effect.forEach(keys, (key) => read(kv, SyncId.make(key)))
  return found.flatMap(Option.toArray)
})

/** Read-modify-write with compare-and-set, so two operators cannot lose each other's change. */
export const update = (id: SyncId, change: (config: SyncConfig) => SyncConfig) =>
  Effect.gen(function*() {
    const kv = yield* bucket
    for (;;) {
      const entry = yield* tryNats(`read sync ${id}`, () => kv.get(id))
      if (entry === null || entry.operation !== "PUT") return yield* new NotFound({ kind: "sync", id })
      const next = change(yield* Effect.orDie(decode(entry.string())))
      const written = yield* tryNats(`update sync ${id}`, () =>
        writeAtRevision(kv, id, encode(next), entry.revision).then((written) => written !== undefined))
      if (written) return next
    }
  })

/** What an operator may change on an existing sync; `id`, `source` and `created_at` stay. */
export interface SyncChanges {
  readonly name?: string
  readonly api_key?: string
  readonly account?: string | null
  readonly api_base_url?: string | null
  readonly external_id?: string | null
  readonly metadata?: Record<string, unknown>
  readonly rate_budget?: RateBudget
  readonly collections?: "all" | ReadonlyArray<CollectionId>
  readonly delete_mode?: DeleteMode
}

/**
 * Change a sync's config (compare-and-set, like every update). The sync service sees the new
 * revision and restarts the sync's actor with it: a new API key is tried again even after a
 * sync failed on the old one. `null` unsets `account` or `api_base_url`.
 */
export const change = (
  id: SyncId,
  changes: SyncChanges,
  offered?: ReadonlyArray<CollectionId>
): Effect.Effect<SyncConfig, NatsError | NotFound | InvalidInput, Nats | Secrets.SecretKeys> =>
  Effect.gen(function*() {
    const keys = yield* Secrets.SecretKeys
    if (changes.api_key !== undefined && changes.api_key.trim() === "") {
      return yield* new InvalidInput({ field: "api_key", detail: "must not be empty" })
    }
    const urlProblem = changes.api_base_url === undefined || changes.api_base_url === null ? undefined : problemWithBaseUrl(changes.api_base_url)
    if (urlProblem !== undefined) return yield* new InvalidInput({ field: "api_base_url", detail: urlProblem })
    const current = yield* get(id)
    if (changes.collections !== undefined && changes.collections !== "all") {
      const problem = problemWithCollections(current.source, changes.collections, offered)
      if (problem !== undefined) return yield* problem
    }
    const apiKey = changes.api_key === undefined ? undefined : Secrets.encrypt(keys, changes.api_key)
    return yield* update(id, (config) => {
      const { account: _account, api_base_url: _baseUrl, ...rest } = config
      const account = changes.account === undefined ? config.account : changes.account ?? undefined
      const baseUrl = changes.api_base_url === undefined ? config.api_base_url : changes.api_base_url ?? undefined
      return new SyncConfig({
        ...rest,
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(apiKey === undefined ? {} : { api_key: apiKey }),
        ...(account === undefined ? {} : { account }),
        ...(baseUrl === undefined ? {} : { api_base_url: baseUrl }),
        ...(changes.external_id === undefined ? {} : { external_id: changes.external_id }),
        ...(changes.metadata === undefined ? {} : { metadata: changes.metadata }),
        ...(changes.rate_budget === undefined ? {} : { rate_budget: changes.rate_budget }),
        ...(changes.collections === undefined ? {} : { collections: changes.collections }),
        ...(changes.delete_mode === undefined ? {} : { delete_mode: changes.delete_mode })
      })
    })
  })

export const setState = (id: SyncId, state: SyncState) =>
  update(id, (config) => new SyncConfig({ ...config, state }))

/**
 * Delete a sync, and with it what the sync service kept about it: its checkpoint and
 * status, and its milestones in `SYNC_LOG`. A sync created again under the same id then
 * starts afresh with a backfill, instead of following the old one's change cursor. Its
 * proxy credentials go too, so that such a sync does not open to the old passwords. Its
 * records stay in `RECORDS`, `EVENTS` and Postgres.
 */
export const remove = (id: SyncId): Effect.Effect<void, NatsError | NotFound, Nats> =>
  Effect.gen(function*() {
    const kv = yield* bucket
    const { jsm, ns } = yield* Nats
    yield* get(id)
    // The credentials first: should a later step fail, the sync is still there to delete
    // again, not a sync that is gone with passwords that still work.
    yield* ProxyCredentials.revokeAllOf(id)
    yield* tryNats(`delete sync ${id}`, () => kv.delete(id))
    yield* tryNats(`remove the checkpoint and status of sync ${id}`, () =>
      jsm.streams.purge(`KV_${ns.buckets.checkpoints}`, { filter: `$KV.${ns.buckets.checkpoints}.${id}.>` }))
    yield* tryNats(`remove the milestones of sync ${id}`, () =>
      jsm.streams.purge(ns.streams.syncLog, { filter: `${ns.root}.synclog.${id}` }))
  })

export const status = (id: SyncId): Effect.Effect<Option.Option<SyncStatus>, NatsError, Nats> =>
  Effect.gen(function*() {
    const kv = yield* openBucket("checkpoints")
    const entry = yield* tryNats(`read status of ${id}`, () => kv.get(statusKey(id)))
    if (entry === null || entry.operation !== "PUT") return Option.none()
    return Option.some(yield* Effect.orDie(decodeStatus(entry.string())))
  })

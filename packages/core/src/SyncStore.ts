/**
 * Sync configs in the `syncs` bucket: the one place that creates, reads, pauses, resumes
 * and deletes them. The CLI and the management API both go through here; the sync
 * service watches the bucket and reacts without a restart.
 */
import { randomBytes } from "node:crypto"
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import type { CollectionId } from "./Collection.js"
import { InvalidInput, NotFound } from "./Errors.js"
import type { NatsError } from "./Errors.js"
import { SourceName, SyncId } from "./Ids.js"
import { Nats, tryNats } from "./Nats.js"
import * as Secrets from "./Secrets.js"
import { SyncConfig, defaultRateBudget } from "./SyncConfig.js"
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

export const newSyncId = (): SyncId => SyncId.make(`sync_${randomBytes(8).toString("hex")}`)

const decode = Schema.decodeUnknown(Schema.parseJson(SyncConfig))
const decodeStatus = Schema.decodeUnknown(Schema.parseJson(SyncStatus))
const encode = Schema.encodeSync(Schema.parseJson(SyncConfig))

const bucket = Effect.gen(function*() {
  const { kvm, ns } = yield* Nats
  return yield* tryNats(`open bucket ${ns.buckets.syncs}`, () => kvm.open(ns.buckets.syncs))
})

const read = (kv: KV, id: SyncId) =>
  Effect.gen(function*() {
    const entry = yield* tryNats(`read sync ${id}`, () => kv.get(id))
    if (entry === null || entry.operation !== "PUT") return Option.none()
    return Option.some(yield* Effect.orDie(decode(entry.string())))
  })

export const create = (input: NewSync): Effect.Effect<SyncConfig, NatsError | InvalidInput, Nats | Secrets.SecretKeys> =>
  Effect.gen(function*() {
    const keys = yield* Secrets.SecretKeys
    const source = Schema.decodeUnknownEither(SourceName)(input.source)
    if (Either.isLeft(source)) {
      return yield* new InvalidInput({ field: "source", detail: ParseResult.TreeFormatter.formatErrorSync(source.left) })
    }
    if (input.api_key.trim() === "") return yield* new InvalidInput({ field: "api_key", detail: "must not be empty" })
    const kv = yield* bucket
    const config = new SyncConfig({
      id: input.id ?? newSyncId(),
      source: source.right,
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
    yield* tryNats(`create sync ${config.id}`, () => kv.create(config.id, encode(config)))
    return config
  })

export const get = (id: SyncId): Effect.Effect<SyncConfig, NatsError | NotFound, Nats> =>
  Effect.flatMap(bucket, (kv) => read(kv, id)).pipe(
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
        kv.update(id, encode(next), entry.revision).then(() => true, (error: unknown) => {
          if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence) return false
          throw error
        }))
      if (written) return next
    }
  })

export const setState = (id: SyncId, state: SyncState) =>
  update(id, (config) => new SyncConfig({ ...config, state }))

/**
 * Delete a sync, and with it what the sync service kept about it: its checkpoint and
 * status, and its milestones in `SYNC_LOG`. A sync created again under the same id then
 * starts afresh with a backfill, instead of following the old one's change cursor. Its
 * records stay in `RECORDS`, `EVENTS` and Postgres.
 */
export const remove = (id: SyncId): Effect.Effect<void, NatsError | NotFound, Nats> =>
  Effect.gen(function*() {
    const kv = yield* bucket
    const { jsm, ns } = yield* Nats
    yield* get(id)
    yield* tryNats(`delete sync ${id}`, () => kv.delete(id))
    yield* tryNats(`remove the checkpoint and status of sync ${id}`, () =>
      jsm.streams.purge(`KV_${ns.buckets.checkpoints}`, { filter: `$KV.${ns.buckets.checkpoints}.${id}.>` }))
    yield* tryNats(`remove the milestones of sync ${id}`, () =>
      jsm.streams.purge(ns.streams.syncLog, { filter: `${ns.root}.synclog.${id}` }))
  })

export const status = (id: SyncId): Effect.Effect<Option.Option<SyncStatus>, NatsError, Nats> =>
  Effect.gen(function*() {
    const { kvm, ns } = yield* Nats
    const kv = yield* tryNats(`open bucket ${ns.buckets.checkpoints}`, () => kvm.open(ns.buckets.checkpoints))
    const entry = yield* tryNats(`read status of ${id}`, () => kv.get(statusKey(id)))
    if (entry === null || entry.operation !== "PUT") return Option.none()
    return Option.some(yield* Effect.orDie(decodeStatus(entry.string())))
  })

/**
 * Consumer configs in the `consumers` bucket, and the JetStream resources each one owns
 * (`Resources`). The bucket entry is the source of truth and is written first on create, so
 * two replicas racing to create the same name cannot both win.
 */
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, AckPolicy } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { nanos } from "@nats-io/transport-node"
import { ConsumerConfig, Errors, Nats } from "@tributary/core"
import { Effect, Equal, Option, Schema } from "effect"
import { ConsumerChangeRefused, ConsumerChangedConcurrently, ConsumerExists } from "./Errors.js"
import * as JetStreamConsumer from "./JetStreamConsumer.js"
import * as Resources from "./Resources.js"

const { tryNats } = Nats

const decode = Schema.decodeUnknown(Schema.parseJson(ConsumerConfig.ConsumerConfig))
const encode = Schema.encodeSync(Schema.parseJson(ConsumerConfig.ConsumerConfig))

const isCode = (code: number) => (error: unknown): boolean => error instanceof JetStreamApiError && error.code === code

/** Run `run`, treating the JetStream error `code` as "nothing to do". */
const ignoring = (code: number, run: () => Promise<unknown>) => () =>
  run().catch((error: unknown) => {
    if (!isCode(code)(error)) throw error
  })

const bucket = Effect.gen(function*() {
  const { kvm, ns } = yield* Nats.Nats
  return yield* tryNats(`open bucket ${ns.buckets.consumers}`, () => kvm.open(ns.buckets.consumers))
})

export const resourcesOf = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.map(Nats.Nats, ({ ns }) => Resources.of(ns, config.name, config.source))

const read = (kv: KV, name: string) =>
  Effect.gen(function*() {
    const entry = yield* tryNats(`read consumer ${name}`, () => kv.get(name))
    if (entry === null || entry.operation !== "PUT") return Option.none()
    return Option.some({ config: yield* Effect.orDie(decode(entry.string())), revision: entry.revision })
  })

export const find = (name: string) => Effect.flatMap(bucket, (kv) => read(kv, name)).pipe(Effect.map(Option.map((e) => e.config)))

export const get = (name: string) =>
  Effect.flatMap(find(name), Option.match({
    onNone: () => Effect.fail(new Errors.NotFound({ kind: "consumer", id: name })),
    onSome: Effect.succeed
  }))

export const list = Effect.gen(function*() {
  const kv = yield* bucket
  const names = yield* tryNats("list consumers", async () => {
    const out: Array<string> = []
    for await (const key of await kv.keys()) out.push(key)
    return out.sort()
  })
  const found = yield* Effect.forEach(names, (name) => read(kv, name), { concurrency: 8 })
  return found.flatMap((entry) => Option.toArray(Option.map(entry, (e) => e.config)))
})

/** Create the durable consumer, the dead-letter stream and its redrive consumer, replacing leftovers. */
const provision = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.gen(function*() {
    const { jsm, ns } = yield* Nats.Nats
    const resources = Resources.of(ns, config.name, config.source)
    yield* tryNats(`remove leftover consumer ${resources.durable}`,
      ignoring(JetStreamApiCodes.ConsumerNotFound, () => jsm.consumers.delete(resources.stream, resources.durable)))
    yield* tryNats(`create consumer ${resources.durable}`, () =>
      jsm.consumers.add(resources.stream, JetStreamConsumer.configFor(ns, resources, config)))
    yield* tryNats(`remove leftover stream ${resources.deadLetterStream}`,
      ignoring(JetStreamApiCodes.StreamNotFound, () => jsm.streams.delete(resources.deadLetterStream)))
    yield* tryNats(`create stream ${resources.deadLetterStream}`, () =>
      jsm.streams.add({
        name: resources.deadLetterStream,
        subjects: [resources.deadSubjects, resources.redriveSubjects],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        allow_direct: true,
        duplicate_window: nanos(120_000)
      }))
    yield* tryNats(`create consumer ${resources.redriveDurable} on ${resources.deadLetterStream}`, () =>
      jsm.consumers.add(resources.deadLetterStream, {
        durable_name: resources.redriveDurable,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(config.ack_wait_ms),
        max_deliver: -1,
        max_ack_pending: config.max_ack_pending,
        filter_subject: resources.redriveSubjects
      }))
  })

export const create = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.gen(function*() {
    const kv = yield* bucket
    const created = yield* tryNats(`create consumer ${config.name}`, () =>
      kv.create(config.name, encode(config)).then(() => true, (error: unknown) => {
        if (isCode(JetStreamApiCodes.StreamWrongLastSequence)(error)) return false
        throw error
      }))
    if (!created) return yield* new ConsumerExists({ name: config.name })
    yield* provision(config).pipe(
      Effect.tapError(() => Effect.ignore(tryNats(`roll back consumer ${config.name}`, () => kv.delete(config.name))))
    )
    return config
  })

export type Patch = Partial<ConsumerConfig.ConsumerConfig>

export const update = (name: string, patch: Patch) =>
  Effect.gen(function*() {
    const { jsm, ns } = yield* Nats.Nats
    const kv = yield* bucket
    const entry = yield* read(kv, name)
    if (Option.isNone(entry)) return yield* new Errors.NotFound({ kind: "consumer", id: name })
    const current = entry.value.config
    for (const [field, reason] of Object.entries(JetStreamConsumer.immutable)) {
      const wanted = (patch as Record<string, unknown>)[field]
      if (wanted !== undefined && !Equal.equals(wanted, (current as unknown as Record<string, unknown>)[field])) {
        return yield* new ConsumerChangeRefused({ field, reason })
      }
    }
    const next = new ConsumerConfig.ConsumerConfig({ ...current, ...patch, filters: { ...current.filters, ...patch.filters } })
    const resources = Resources.of(ns, name, current.source)
    yield* tryNats(`update consumer ${resources.durable}`, () =>
      jsm.consumers.update(resources.stream, resources.durable, JetStreamConsumer.mutableConfigFor(ns, next))).pipe(
        Effect.catchIf((error) => error.code === 10012, (error) =>
          Effect.fail(new ConsumerChangeRefused({ field: "config", reason: error.detail })))
      )
    yield* tryNats(`update consumer ${resources.redriveDurable} on ${resources.deadLetterStream}`, () =>
      jsm.consumers.update(resources.deadLetterStream, resources.redriveDurable, {
        ack_wait: nanos(next.ack_wait_ms),
        max_ack_pending: next.max_ack_pending
      }))
    const written = yield* tryNats(`update consumer ${name}`, () =>
      kv.update(name, encode(next), entry.value.revision).then(() => true, (error: unknown) => {
        if (isCode(JetStreamApiCodes.StreamWrongLastSequence)(error)) return false
        throw error
      }))
    if (!written) return yield* new ConsumerChangedConcurrently({ name })
    return next
  })

export const remove = (name: string) =>
  Effect.gen(function*() {
    const { jsm, ns } = yield* Nats.Nats
    const kv = yield* bucket
    const config = yield* get(name)
    const resources = Resources.of(ns, name, config.source)
    yield* tryNats(`delete consumer ${resources.durable}`,
      ignoring(JetStreamApiCodes.ConsumerNotFound, () => jsm.consumers.delete(resources.stream, resources.durable)))
    yield* tryNats(`delete stream ${resources.deadLetterStream}`,
      ignoring(JetStreamApiCodes.StreamNotFound, () => jsm.streams.delete(resources.deadLetterStream)))
    yield* tryNats(`purge leases of ${name}`, () =>
      jsm.streams.purge(`KV_${ns.buckets.inflight}`, { filter: resources.kvSubjects(ns.buckets.inflight) }))
    yield* tryNats(`delete consumer ${name}`, () => kv.purge(name))
  })

/**
 * Consumer configs in the `consumers` bucket, and the JetStream resources each one owns
 * (`Resources`). The bucket entry is the source of truth and is written first on create, so
 * two replicas racing to create the same name cannot both win.
 */
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, AckPolicy } from "@nats-io/jetstream"
import type { ConsumerUpdateConfig as JsConsumerUpdateConfig } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { nanos } from "@nats-io/transport-node"
import { ConsumerConfig, Errors, Nats, Provisioning } from "@tributary/core"
import { Effect, Either, Equal, Option, Schema } from "effect"
import { ConsumerChangeRefused, ConsumerChangedConcurrently, ConsumerExists, ConsumerUpdateRefused } from "./Errors.js"
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

const bucket = Nats.bucket("consumers")

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

const namesIn = (kv: KV) =>
  tryNats("list consumers", async () => {
    const out: Array<string> = []
    for await (const key of await kv.keys()) out.push(key)
    return out.sort()
  })

/** The names of every consumer in the bucket. */
export const names = Effect.flatMap(bucket, namesIn)

export const list = Effect.gen(function*() {
  const kv = yield* bucket
  const names = yield* namesIn(kv)
  const found = yield* Effect.forEach(names, (name) => read(kv, name), { concurrency: 8 })
  return found.flatMap((entry) => Option.toArray(Option.map(entry, (e) => e.config)))
})

/** Create the durable consumer, the dead-letter stream and its redrive consumer, replacing leftovers. */
const provision = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.gen(function*() {
    const client = yield* Nats.Nats
    const { jsm, ns } = client
    const resources = Resources.of(ns, config.name, config.source)
    yield* tryNats(`remove leftover consumer ${resources.durable}`,
      ignoring(JetStreamApiCodes.ConsumerNotFound, () => jsm.consumers.delete(resources.stream, resources.durable)))
    yield* tryNats(`create consumer ${resources.durable}`, () =>
      jsm.consumers.add(resources.stream, JetStreamConsumer.configFor(ns, resources, config)))
    yield* tryNats(`remove leftover stream ${resources.deadLetterStream}`,
      ignoring(JetStreamApiCodes.StreamNotFound, () => jsm.streams.delete(resources.deadLetterStream)))
    // As many replicas as the streams the operator provisioned; its consumers inherit them.
    const replicas = yield* Provisioning.provisionedReplicas(client)
    yield* tryNats(`create stream ${resources.deadLetterStream}`, () =>
      jsm.streams.add({
        num_replicas: replicas,
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
        ...JetStreamConsumer.redriveMutableConfigFor(config),
        max_deliver: -1,
        filter_subject: resources.redriveSubjects
      }))
  })

export const create = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.gen(function*() {
    const kv = yield* bucket
    const created = yield* tryNats(`create consumer ${config.name}`, () =>
      Nats.writeAtRevision(kv, config.name, encode(config), undefined).then((written) => written !== undefined))
    if (!created) return yield* new ConsumerExists({ name: config.name })
    yield* provision(config).pipe(
      Effect.tapError(() => Effect.ignore(tryNats(`roll back consumer ${config.name}`, () => kv.delete(config.name))))
    )
    return config
  })

export type Patch = Partial<ConsumerConfig.ConsumerConfig>

interface Entry {
  readonly config: ConsumerConfig.ConsumerConfig
  readonly revision: number
}

/** Write `config` if the entry is still at `revision`: its new revision, or `undefined` when it is not. */
const writeIfAt = (kv: KV, config: ConsumerConfig.ConsumerConfig, revision: number) =>
  tryNats(`update consumer ${config.name}`, () =>
    Nats.writeAtRevision(kv, config.name, encode(config), revision))

/**
 * Change one of the consumer's JetStream consumers. A refusal names that JetStream consumer;
 * only the main one's can be about a field of the PATCH (`fieldRefused`): the redrive
 * consumer's filter is the gateway's own.
 */
const updateJetStreamConsumer = (config: ConsumerConfig.ConsumerConfig, stream: string, durable: string,
  change: Partial<JsConsumerUpdateConfig>, fieldOf: (code: number) => string) =>
  Effect.flatMap(Nats.Nats, ({ jsm }) =>
    tryNats(`update consumer ${durable} on ${stream}`, () => jsm.consumers.update(stream, durable, change))).pipe(
      Effect.catchIf((error) => error.code === JetStreamApiCodes.ConsumerNotFound, () =>
        Effect.fail(new Errors.NotFound({ kind: "consumer", id: config.name }))),
      // JetStream answered, and said no: a change it will not take, not an outage to retry.
      Effect.catchIf((error): error is Errors.NatsError & { readonly code: number } =>
        error._tag === "NatsError" && error.code !== undefined, (error) =>
        Effect.fail(new ConsumerUpdateRefused({
          name: config.name,
          field: fieldOf(error.code),
          code: error.code,
          detail: error.detail,
          stream,
          durable
        })))
    )

type ApplyFailure = Errors.NatsError | Errors.NotFound | ConsumerUpdateRefused

/** One of a consumer's two JetStream consumers, and how to give it the changeable part of a config. */
interface Target {
  readonly stream: string
  readonly durable: string
  readonly apply: (config: ConsumerConfig.ConsumerConfig) => Effect.Effect<void, ApplyFailure, Nats.Nats>
}

/** The main consumer first, then the dead-letter stream's redrive consumer. */
const targetsOf = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.map(Nats.Nats, ({ ns }): ReadonlyArray<Target> => {
    const resources = Resources.of(ns, config.name, config.source)
    return [
      {
        stream: resources.stream,
        durable: resources.durable,
        apply: (c) => updateJetStreamConsumer(c, resources.stream, resources.durable, JetStreamConsumer.mutableConfigFor(ns, c),
          JetStreamConsumer.fieldRefused)
      },
      {
        stream: resources.deadLetterStream,
        durable: resources.redriveDurable,
        apply: (c) => updateJetStreamConsumer(c, resources.deadLetterStream, resources.redriveDurable,
          JetStreamConsumer.redriveMutableConfigFor(c), () => "config")
      }
    ]
  })

/**
 * The failure of applying a config to both JetStream consumers: the first one NATS did not
 * answer (the outcome is then not known: a 503), or else the first refusal with the other's,
 * when it refused too.
 */
const failureOf = (outcomes: ReadonlyArray<Either.Either<void, ApplyFailure>>): Option.Option<ApplyFailure> => {
  const failures = outcomes.flatMap((outcome) => Either.isLeft(outcome) ? [outcome.left] : [])
  const other = failures.find((failure) => failure._tag !== "ConsumerUpdateRefused")
  if (other !== undefined) return Option.some(other)
  const [first, second] = failures.filter((failure): failure is ConsumerUpdateRefused => failure._tag === "ConsumerUpdateRefused")
  if (first === undefined) return Option.none()
  return Option.some(second === undefined ? first : new ConsumerUpdateRefused({
    ...first,
    also: { stream: second.stream, durable: second.durable, code: second.code, detail: second.detail }
  }))
}

/**
 * Give the consumer's JetStream consumers the changeable part of `config`, the main one first.
 * Both are asked whatever the first answers: a failure of one must not leave the other behind
 * (when config is the previous one being put back, above all). Each one's outcome, in the
 * order of `targetsOf`.
 */
const applyEach = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.flatMap(targetsOf(config), (targets) => Effect.all(targets.map((target) => target.apply(config)), { mode: "either" }))

/** `applyEach`, failing with `failureOf` its outcomes. */
const applyToJetStream = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.flatMap(applyEach(config), (outcomes) => Option.match(failureOf(outcomes), { onNone: () => Effect.void, onSome: Effect.fail }))

/**
 * After applying `applied` to JetStream, read the bucket again; while another PATCH wrote a
 * newer revision meanwhile, apply that one too. Two PATCHes can reach JetStream in the other
 * order than the bucket's, but the one that reaches it last then sees the newer revision and
 * applies it, so JetStream ends as the bucket says. A newer revision JetStream refuses is left
 * to the PATCH that wrote it, which puts the bucket back (below).
 */
const converge = (kv: KV, name: string, applied: Entry): Effect.Effect<void, Errors.NatsError, Nats.Nats> =>
  Effect.flatMap(read(kv, name), (latest) =>
    Option.isNone(latest) || latest.value.revision === applied.revision
      ? Effect.void
      : applyToJetStream(latest.value.config).pipe(
        Effect.matchEffect({
          onFailure: () => Effect.void,
          onSuccess: () => converge(kv, name, latest.value)
        })
      ))

const failureText = (error: ApplyFailure): string =>
  error._tag === "ConsumerUpdateRefused"
    ? `JetStream refused, err_code ${error.code}: ${error.detail}`
    : error.message

/**
 * Undo a change JetStream refused (for one or both of the JetStream consumers): the previous
 * config back into the bucket, unless a newer PATCH has been written since (that one decides),
 * then back to each JetStream consumer that took the change; what of it worked, for the answer.
 */
const undoRefused = (kv: KV, current: ConsumerConfig.ConsumerConfig, revision: number,
  targets: ReadonlyArray<Target>, outcomes: ReadonlyArray<Either.Either<void, unknown>>) =>
  Effect.gen(function*() {
    const took = targets.filter((_, i) => outcomes[i] !== undefined && Either.isRight(outcomes[i]))
    const left = took.map((t) => ({ stream: t.stream, durable: t.durable, restored: false }))
    const restored = yield* Effect.either(writeIfAt(kv, current, revision))
    if (Either.isLeft(restored)) return { bucket: "failed", bucket_failure: restored.left.message, took: left } as const
    if (restored.right === undefined) return { bucket: "superseded", took: left } as const
    const putBack = yield* Effect.all(took.map((target) => target.apply(current)), { mode: "either" })
    yield* Effect.ignore(converge(kv, current.name, { config: current, revision: restored.right }))
    return {
      bucket: "restored",
      took: left.map((t, i) => {
        const outcome = putBack[i]!
        return Either.isRight(outcome) ? { ...t, restored: true } : { ...t, failure: failureText(outcome.left) }
      })
    } as const
  })

/**
 * The bucket first, with compare-and-set: of two PATCHes read at the same revision, one is
 * refused (409) before either touches JetStream. Then JetStream. When JetStream refuses the
 * change, the previous config goes back into the bucket (unless a newer PATCH has been written
 * since: that one decides) and to the JetStream consumers that took it, and the refusal says
 * what of that worked. When NATS does not answer, the same is tried, and the outcome is not known.
 */
export const update = (name: string, patch: Patch) =>
  Effect.gen(function*() {
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
    const revision = yield* writeIfAt(kv, next, entry.value.revision)
    if (revision === undefined) return yield* new ConsumerChangedConcurrently({ name })
    const targets = yield* targetsOf(next)
    const outcomes = yield* applyEach(next)
    const failure = failureOf(outcomes)
    if (Option.isSome(failure)) {
      if (failure.value._tag === "ConsumerUpdateRefused") {
        const undo = yield* undoRefused(kv, current, revision, targets, outcomes)
        return yield* new ConsumerUpdateRefused({ ...failure.value, undo })
      }
      yield* writeIfAt(kv, current, revision).pipe(
        Effect.flatMap((restored) =>
          restored === undefined
            ? Effect.void
            : Effect.zipRight(applyToJetStream(current), converge(kv, name, { config: current, revision: restored }))
        ),
        Effect.ignore
      )
      return yield* failure.value
    }
    yield* converge(kv, name, { config: next, revision })
    return next
  })

/** Whether a JetStream consumer's config has each of `wanted`'s values; a consumer that is not there (being created or deleted) has. */
const jetStreamConsumerHas = (stream: string, durable: string, wanted: Readonly<Record<string, unknown>>) =>
  Effect.flatMap(Nats.Nats, ({ jsm }) =>
    tryNats(`read consumer ${durable} on ${stream}`, () => jsm.consumers.info(stream, durable))).pipe(
      Effect.map((info) => Object.entries(wanted).every(([field, value]) => (info.config as unknown as Record<string, unknown>)[field] === value)),
      Effect.catchIf((error) => error.code === JetStreamApiCodes.ConsumerNotFound || error.code === JetStreamApiCodes.StreamNotFound,
        () => Effect.succeed(true))
    )

/** Whether both JetStream consumers of `config` have its changeable part (what `applyToJetStream` sets). */
const jetStreamHas = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.gen(function*() {
    const { ns } = yield* Nats.Nats
    const resources = Resources.of(ns, config.name, config.source)
    const main = yield* jetStreamConsumerHas(resources.stream, resources.durable, JetStreamConsumer.mutableConfigFor(ns, config))
    return main && (yield* jetStreamConsumerHas(resources.deadLetterStream, resources.redriveDurable,
      JetStreamConsumer.redriveMutableConfigFor(config)))
  })

/**
 * Give the consumer's JetStream consumers what the bucket says, where they differ: the bucket
 * is the source of truth, and a PATCH whose JetStream half (or whose undoing) NATS cut short
 * leaves JetStream with other values. Read, compare, apply, and read again: while the bucket has
 * a newer revision than the one applied (a PATCH meanwhile, from any replica), apply that one,
 * so that whichever of several replicas and PATCHes reaches JetStream last has read the bucket
 * after. A consumer being created or deleted, whose JetStream consumers are not there, is left
 * to its create or delete. Fails with the last refusal when JetStream refuses the latest revision
 * (that revision's PATCH is undoing it).
 */
export const reconcile = (name: string) =>
  Effect.gen(function*() {
    const kv = yield* bucket
    let applied: { readonly revision: number; readonly refused: Option.Option<Errors.NatsError | ConsumerUpdateRefused> } | undefined
    for (;;) {
      const latest = yield* read(kv, name)
      if (Option.isNone(latest)) return
      if (latest.value.revision === applied?.revision) return yield* Option.match(applied.refused, { onNone: () => Effect.void, onSome: Effect.fail })
      if (yield* jetStreamHas(latest.value.config)) return
      const outcome = yield* applyToJetStream(latest.value.config).pipe(
        Effect.catchTag("NotFound", () => Effect.void),
        Effect.match({ onFailure: Option.some, onSuccess: () => Option.none() })
      )
      applied = { revision: latest.value.revision, refused: outcome }
    }
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

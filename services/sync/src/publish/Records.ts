/**
 * Publishing one sync's records: the ordering guard in front of `RECORDS`, and every
 * accepted version's change on `EVENTS`.
 *
 * The last published version of every record is cached: loaded once at start from the
 * stream (the last message per subject, headers only) and kept up to date by this actor,
 * the sync's only writer. Each publish expects the record's last subject sequence
 * (`Nats-Expected-Last-Subject-Sequence`), so a write from anyone else (a replica that
 * lost its lease but still runs) makes the next publish fail; the record's last message is
 * then read back with a direct get (`last_by_subj`) and the decision is made again.
 */
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"
import type { JsMsg, StoredMsg } from "@nats-io/jetstream"
import type { MsgHdrs } from "@nats-io/transport-node"
import { Headers, Nats, Record as CoreRecord, Subjects } from "@tributary/core"
import type { Collection, Connector, Errors, Ids } from "@tributary/core"
import { Effect } from "effect"
import * as AckPublisher from "./AckPublisher.js"
import * as KeyedLock from "./KeyedLock.js"
import * as Ordering from "./Ordering.js"
import * as RecordBody from "./RecordBody.js"
import * as Restamp from "./Restamp.js"

export type Outcome =
  | { readonly _tag: "Published"; readonly action: "created" | "updated" | "deleted" }
  | { readonly _tag: "Skipped"; readonly verdict: "older" | "same" | "unchanged" | "unknown_delete" }
  | { readonly _tag: "Refresh"; readonly ref: Connector.RecordRef }

export interface Publisher {
  /** Load the last version of every record of the sync from `RECORDS`; returns how many. */
  readonly load: Effect.Effect<number, Errors.NatsError>
  readonly apply: (
    observation: Connector.Observation,
    readStartedAt: number | undefined
  ) => Effect.Effect<Outcome, Errors.NatsError>
  /**
   * Apply many at once (at most `concurrency` in flight, awaiting their acks: the
   * back-pressure). Versions of one record are applied in the order given; `readStartedAt`
   * applies to the `read` ones.
   */
  readonly applyAll: (
    observations: ReadonlyArray<Connector.Observation>,
    readStartedAt: number | undefined,
    concurrency: number
  ) => Effect.Effect<ReadonlyArray<Outcome>, Errors.NatsError>
  /** Records known to be published, by subject. */
  readonly size: () => number
  /** Every record published and not deleted, last stored before `before` (epoch ms). */
  readonly live: (before: number) => ReadonlyArray<Connector.RecordRef>
  /**
   * Publish again every record of the sync (tombstones too) whose last version carries another
   * `sync` than this publisher's (the operator changed its `external_id` or `metadata`): the same
   * data as a new version, without asking the upstream. Returns how many.
   */
  readonly restamp: Effect.Effect<number, Errors.NatsError>
}

export interface Options {
  readonly sync: CoreRecord.SyncRef
  readonly specs: ReadonlyMap<Collection.CollectionId, Connector.CollectionSpec>
}

const isWrongLastSequence = (error: unknown) =>
  error instanceof AckPublisher.PublishRefused &&
  (error.errCode === JetStreamApiCodes.StreamWrongLastSequence || error.errCode === JetStreamApiCodes.StreamWrongLastSequenceUnknown)

/** The published version a message's headers describe. */
export const publishedFrom = (seq: number, header: MsgHdrs | undefined, storedAt: number): Ordering.Published => {
  const version = RecordBody.parseVersion(header?.get(Headers.UPSTREAM_VERSION) ?? "") ?? { from: 0, to: 0 }
  const changeId = header?.get(Headers.CHANGE_ID) ?? ""
  return {
    seq,
    updatedIdx: Number(header?.get(Headers.UPDATED_IDX) ?? "0") || 0,
    version,
    deleted: header?.get(Headers.DELETED) === "true",
    contentHash: header?.get(Headers.CONTENT_HASH) ?? "",
    changeId: changeId === "" ? undefined : changeId,
    publishedAt: 0,
    storedAt
  }
}

const CAS_ATTEMPTS = 5

export const make = (options: Options) =>
  Effect.gen(function*() {
    const client = yield* Nats.Nats
    const { js, jsm, ns } = client
    const publisher = yield* AckPublisher.make(client)
    const syncId: Ids.SyncId = options.sync.id
    const cache = new Map<string, Ordering.Published>()
    const lock = KeyedLock.make()
    const bodies = RecordBody.builder(options.sync)
    // A change's subject is its record's with `events` for `records` (`Subjects.forRecord`):
    // derived rather than encoded again.
    const recordsRoot = `${ns.root}.records.`
    const eventsRoot = `${ns.root}.events.`
    const changeSubjectOf = (recordSubject: string) => eventsRoot + recordSubject.slice(recordsRoot.length)

    /** A NATS operation that failed, named for the error the Effect boundary reports. */
    class Failed extends Error {
      constructor(readonly operation: string, override readonly cause: unknown) {
        super(operation)
      }
    }

    /**
     * The last message of every record of the sync, through a consumer of its own (deleted
     * after), handed to `each` a batch at a time: headers only for the version cache, bodies
     * too for a restamp.
     */
    const forEachLast = (headersOnly: boolean, maxBatch: number, each: (batch: ReadonlyArray<JsMsg>) => Promise<void>) =>
      Effect.gen(function*() {
        const stream = ns.streams.records
        const operation = "read the sync's records"
        const info = yield* Nats.request(client, operation, () =>
          jsm.consumers.add(stream, {
            filter_subject: `${ns.root}.records.${syncId}.>`,
            deliver_policy: DeliverPolicy.LastPerSubject,
            ack_policy: AckPolicy.None,
            ...(headersOnly ? { headers_only: true } : {}),
            inactive_threshold: 30_000_000_000
          }))
        yield* Effect.tryPromise({
          try: () => Nats.whenConnected(client, async () => {
            try {
              let remaining = info.num_pending
              const consumer = js.consumers.getConsumerFromInfo(info)
              while (remaining > 0) {
                const batch: Array<JsMsg> = []
                for await (const message of await consumer.fetch({ max_messages: Math.min(remaining, maxBatch), expires: 5000 })) {
                  remaining--
                  batch.push(message)
                }
                await each(batch)
              }
            } finally {
              await jsm.consumers.delete(stream, info.name).catch(() => undefined)
            }
          }),
          catch: (error) => error instanceof Failed ? Nats.toNatsError(error.operation)(error.cause) : Nats.toNatsError(operation)(error)
        })
      })

    const load = Effect.andThen(
      forEachLast(true, 10_000, async (batch) => {
        for (const message of batch) cache.set(message.subject, publishedFrom(message.seq, message.headers, message.info.timestampNanos / 1e6))
      }),
      () => cache.size
    )

    const guarded = async <A>(operation: string, run: () => Promise<A>): Promise<A> => {
      try {
        return await run()
      } catch (cause) {
        throw cause instanceof Failed ? cause : new Failed(operation, cause)
      }
    }

    const lastMessage = (subject: string): Promise<StoredMsg | null> =>
      guarded(`read the last version of ${subject}`, () =>
        jsm.direct.getMessage(ns.streams.records, { last_by_subj: subject }).catch((error: unknown) => {
          if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null
          throw error
        }))

    const lastBody = async (subject: string): Promise<Readonly<Record<string, unknown>> | undefined> => {
      const message = await lastMessage(subject)
      if (message === null) return undefined
      const body: unknown = message.json()
      return typeof body === "object" && body !== null && "data" in body && typeof body.data === "object" && body.data !== null
        ? body.data as Readonly<Record<string, unknown>>
        : undefined
    }

    const orphansOf = (
      spec: Connector.CollectionSpec | undefined,
      previous: Readonly<Record<string, unknown>> | undefined,
      next: Readonly<Record<string, unknown>>,
      deleted: boolean
    ): ReadonlyArray<Connector.RecordRef> => {
      if (spec?.childrenOf === undefined || previous === undefined) return []
      const before = spec.childrenOf(previous)
      const after = deleted ? [] : spec.childrenOf(next)
      if (before === undefined || after === undefined) return []
      const kept = new Set(after.map((ref) => `${ref.collection}/${ref.upstreamId}`))
      return before.filter((ref) => !kept.has(`${ref.collection}/${ref.upstreamId}`))
    }

    const applyLocked = async (
      observation: Connector.Observation,
      readStartedAt: number | undefined,
      subject: string
    ): Promise<Outcome> => {
      for (let attempt = 1; ; attempt++) {
        const published = cache.get(subject)
        if (observation.deleted && observation.data === null && published === undefined) {
          return { _tag: "Skipped", verdict: "unknown_delete" }
        }
        // Serialised and encoded once: hashed, then copied into both bodies.
        const given = Buffer.from(observation.data === null ? "{}" : JSON.stringify(observation.data))
        const hash = RecordBody.contentHash(observation.deleted, given)
        const verdict = Ordering.decide(published, {
          version: observation.version,
          origin: observation.origin,
          changeId: observation.changeId,
          deleted: observation.deleted,
          contentHash: hash,
          readStartedAt
        })
        if (verdict === "older" || verdict === "same") return { _tag: "Skipped", verdict }
        if (verdict === "refresh") {
          return { _tag: "Refresh", ref: { collection: observation.collection, upstreamId: observation.upstreamId } }
        }
        if (verdict === "unchanged" && published !== undefined) {
          cache.set(subject, {
            ...published,
            version: Ordering.later(published.version, observation.version),
            changeId: observation.changeId ?? published.changeId,
            publishedAt: Date.now()
          })
          return { _tag: "Skipped", verdict: "unchanged" }
        }

        const spec = options.specs.get(observation.collection)
        const needsPrevious = published !== undefined && (observation.data === null || spec?.childrenOf !== undefined)
        const previous = needsPrevious ? await lastBody(subject) : undefined
        const data = observation.data ?? previous ?? {}
        const bytes = observation.data === null ? Buffer.from(JSON.stringify(data)) : given
        const updatedIdx = Ordering.nextUpdatedIdx(published, observation.version)
        const recordId = CoreRecord.recordIdFor(syncId, observation.collection, observation.upstreamId)
        const action = published === undefined || (published.deleted && !observation.deleted)
          ? "created"
          : observation.deleted ? "deleted" : "updated"
        const built = bodies.build({
          recordId,
          observation,
          data: bytes,
          contentHash: hash,
          updatedIdx,
          action,
          expectedLastSequence: published?.seq ?? 0
        })

        // The change goes to EVENTS first: a crash, or a failed publish, between the two
        // publishes must not leave a version on RECORDS whose change EVENTS never gets (after
        // a restart the version would look unchanged and the change would be lost). Seen again
        // after a restart, the same version gets the same updated_idx, so its change's
        // Nats-Msg-Id makes JetStream drop the repeat.
        const eventSubject = changeSubjectOf(subject)
        await publisher.publish(eventSubject, built.change, built.changeHeaders).catch((error: unknown) => {
          throw new Failed(`publish the change of ${subject}`, error)
        })
        let ack: AckPublisher.PubAck
        try {
          ack = await publisher.publish(subject, built.record, built.recordHeaders)
        } catch (error) {
          if (!isWrongLastSequence(error)) throw new Failed(`publish ${subject}`, error)
          // Someone else wrote this record since we cached it: read it back and decide again.
          if (attempt >= CAS_ATTEMPTS) throw new Failed(`publish ${subject}`, new Error("the record kept changing under this actor"))
          const message = await lastMessage(subject)
          if (message === null) cache.delete(subject)
          else cache.set(subject, publishedFrom(message.seq, message.header, message.time.getTime()))
          continue
        }
        const now = Date.now()
        cache.set(subject, {
          seq: ack.seq,
          updatedIdx,
          version: observation.version,
          deleted: observation.deleted,
          contentHash: hash,
          changeId: observation.changeId,
          publishedAt: now,
          storedAt: now
        })

        for (const orphan of orphansOf(spec, previous, data, observation.deleted)) {
          await applyOne({
            collection: orphan.collection,
            upstreamId: orphan.upstreamId,
            deleted: true,
            data: null,
            createdAt: null,
            version: observation.version,
            origin: observation.origin
          }, readStartedAt)
        }
        return { _tag: "Published", action }
      }
    }

    const applyOne = (observation: Connector.Observation, readStartedAt: number | undefined): Promise<Outcome> => {
      const subject = Subjects.forRecord(ns, "records", syncId, observation.collection, observation.upstreamId)
      return lock.run(subject, () => applyLocked(observation, readStartedAt, subject))
    }

    const toNatsError = (error: unknown): Errors.NatsError =>
      error instanceof Failed ? Nats.toNatsError(error.operation)(error.cause) : Nats.toNatsError("publish a record")(error)

    const apply = (observation: Connector.Observation, readStartedAt: number | undefined) =>
      Effect.tryPromise({ try: () => applyOne(observation, readStartedAt), catch: toNatsError })

    /** Outcomes in the order given; versions of one record are applied in that order too. */
    const applyAll = (observations: ReadonlyArray<Connector.Observation>, readStartedAt: number | undefined, concurrency: number) =>
      Effect.tryPromise({
        try: async () => {
          const outcomes = new Array<Outcome>(observations.length)
          let next = 0
          const worker = async () => {
            while (next < observations.length) {
              const index = next++
              const observation = observations[index]!
              outcomes[index] = await applyOne(observation, observation.origin === "read" ? readStartedAt : undefined)
            }
          }
          await Promise.all(Array.from({ length: Math.min(concurrency, observations.length) }, worker))
          return outcomes
        },
        catch: toNatsError
      })

    const live = (before: number) =>
      [...cache].flatMap(([subject, published]) => {
        if (published.deleted || published.storedAt >= before) return []
        const parsed = Subjects.parse(ns, subject)
        return parsed._tag === "Right" ? [{ collection: parsed.right.collection, upstreamId: parsed.right.upstreamId }] : []
      })

    const syncJson = JSON.stringify(options.sync)

    /** A record's last message, as a restamp reads it (from the stream's consumer, or a direct get). */
    interface LastVersion {
      readonly seq: number
      readonly header: MsgHdrs | undefined
      readonly storedAt: number
      readonly body: unknown
    }
    const lastVersion = async (subject: string): Promise<LastVersion | null> => {
      const message = await lastMessage(subject)
      return message === null ? null : { seq: message.seq, header: message.header, storedAt: message.time.getTime(), body: message.json() }
    }

    /** Publish the record again as it is, with this publisher's `sync`; false when it carries it already. */
    const restampLocked = async (subject: string, first: LastVersion): Promise<boolean> => {
      let last: LastVersion | null = first
      for (let attempt = 1; last !== null; attempt++) {
        const body = Restamp.stale(last.body, syncJson)
        if (body === undefined) return false
        const published = publishedFrom(last.seq, last.header, last.storedAt)
        const observation = Restamp.observationOf(body, published.version)
        const updatedIdx = Ordering.nextUpdatedIdx(published, published.version)
        const built = bodies.build({
          recordId: CoreRecord.recordIdFor(syncId, body.collection_id, body.upstream_id),
          observation,
          data: Buffer.from(JSON.stringify(body.data)),
          contentHash: published.contentHash,
          updatedIdx,
          action: body.deleted ? "deleted" : "updated",
          expectedLastSequence: last.seq
        })
        await publisher.publish(changeSubjectOf(subject), built.change, built.changeHeaders).catch((error: unknown) => {
          throw new Failed(`publish the change of ${subject}`, error)
        })
        try {
          const ack = await publisher.publish(subject, built.record, built.recordHeaders)
          // Stored when it was, for the backfill's reconciliation: the upstream was not read.
          cache.set(subject, { ...published, seq: ack.seq, updatedIdx, changeId: undefined, publishedAt: Date.now() })
          return true
        } catch (error) {
          if (!isWrongLastSequence(error) || attempt >= CAS_ATTEMPTS) throw new Failed(`publish ${subject}`, error)
          last = await lastVersion(subject)
        }
      }
      cache.delete(subject)
      return false
    }

    const restamp = Effect.suspend(() => {
      let restamped = 0
      return Effect.andThen(
        forEachLast(false, 1000, async (batch) => {
          const done = await Promise.all(batch.map((message) => {
            const last = { seq: message.seq, header: message.headers, storedAt: message.info.timestampNanos / 1e6, body: message.json() }
            return lock.run(message.subject, () => restampLocked(message.subject, last))
          }))
          restamped += done.filter(Boolean).length
        }),
        () => restamped
      )
    })

    return { load, apply, applyAll, size: () => cache.size, live, restamp } satisfies Publisher
  })

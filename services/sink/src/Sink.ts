/**
 * The sink: `RECORDS` into Postgres. Each replica runs `concurrency` writers that take a
 * batch, write it in one transaction and ack it only after the commit. While Postgres is
 * down or read-only a writer keeps its batch, retries it with back-off and `/readyz`
 * says why; nothing is acked, so nothing is lost or skipped.
 *
 * Every long-running piece is a part (`Parts`): the first one that ends unexpectedly stops
 * the sink with its cause (crash-only), so the process exits and is restarted rather than
 * stalling while it looks alive.
 */
import type { JsMsg } from "@nats-io/jetstream"
import { Database, DeadLetters, Nats, Provisioning } from "@tributary/core"
import type { Errors } from "@tributary/core"
import { Tables, Target } from "@tributary/tables"
import { Duration, Effect, Either, Schedule } from "effect"
import * as Acks from "./Acks.js"
import * as DeadLetter from "./DeadLetter.js"
import * as DeleteModes from "./DeleteModes.js"
import * as DurableConsumer from "./DurableConsumer.js"
import * as Intake from "./Intake.js"
import { Metrics } from "./Metrics.js"
import * as NatsHealth from "./NatsHealth.js"
import * as Parts from "./Parts.js"
import { Readiness } from "./Readiness.js"
import * as Routes from "./Routes.js"
import { giveUp, settle } from "./Settle.js"
import type { SinkSettings } from "./SinkSettings.js"
import * as Writer from "./Writer.js"

const backoff = (settings: SinkSettings) =>
  Schedule.exponential(Duration.millis(100)).pipe(
    Schedule.modifyDelay((delay) => Duration.min(delay, Duration.millis(settings.retryMaxMs)))
  )

export interface RunOptions {
  /**
   * For tests only: runs before each batch is written, in the writer. A defect it raises
   * is what a bug in the writer looks like, for tests of what the sink does then.
   */
  readonly beforeWrite?: (batch: ReadonlyArray<Tables.EncodedRecord>) => Effect.Effect<void>
}

/**
 * The sink's work: never returns, until interrupted. It fails only when it cannot start
 * (a stream setting to change by hand, a server `max_payload` too small for a dead letter),
 * or with the cause of a part that stopped.
 */
export const run = (
  settings: SinkSettings,
  options: RunOptions = {}
): Effect.Effect<never, Errors.StreamConfigConflict | Errors.MaxPayloadTooSmall, Nats.Nats | Database.Database | Tables.Tables | Metrics | Readiness> =>
  Effect.scoped(Effect.gen(function*() {
    const nats = yield* Nats.Nats
    const { pool } = yield* Database.Database
    const tables = yield* Tables.Tables
    const metrics = yield* Metrics
    const readiness = yield* Readiness
    const parts = yield* Parts.make(readiness)
    yield* DeadLetter.requireRoom(nats, settings.consumer)

    const retrying = <A, E extends { readonly _tag: string }, R>(
      what: string,
      effect: Effect.Effect<A, E, R>,
      unless: (error: E) => boolean = () => false
    ) =>
      effect.pipe(
        Effect.tapError((error) => unless(error) ? Effect.void : Effect.logWarning(`${what} failed; retrying`, error)),
        Effect.retry({ schedule: backoff(settings), while: (error) => !unless(error) })
      )

    // Only what the sink uses: RECORDS, the syncs bucket (delete modes) and the dead letters.
    // The other streams are `tributary provision`'s and their owners' business.
    // Replica counts are the operator's (`tributary provision --replicas`): kept as found.
    const syncs = Provisioning.bucketSpecs(nats.ns).filter((spec) => spec.name === nats.ns.buckets.syncs)
    // A stream setting JetStream cannot change in place needs an operator: stop and say so.
    yield* retrying("provisioning", Effect.gen(function*() {
      const replicas = yield* Provisioning.provisionedReplicas(nats)
      const records = Provisioning.streamSpecs(nats.ns, { ...Provisioning.defaultLimits, replicas })
        .filter((spec) => spec.name === nats.ns.streams.records)
      yield* Effect.forEach(records, (spec) => Provisioning.ensureStream(nats, spec, "keep"))
      yield* Effect.forEach(syncs, (spec) => Provisioning.ensureBucket(nats, spec, Provisioning.defaultLimits))
      yield* Provisioning.ensureStream(nats, DeadLetters.streamSpec(nats.ns, replicas), "keep")
    }), (error) => error._tag === "StreamConfigConflict").pipe(
      // Retried until it succeeds: only the conflict can come out.
      Effect.catchTag("NatsError", Effect.die)
    )
    // Tables of the known collections exist before the first record, so readers can rely on them.
    yield* parts.task("creating the catalog's tables", retrying("creating tables", tables.ensure(Target.knownCollections())).pipe(Effect.orDie))

    // The back-off never gives up, so no error comes out.
    const consumer = yield* Effect.orDie(retrying("creating the durable consumer", DurableConsumer.ensure(settings)))
    const deleteModes = yield* DeleteModes.start(parts)
    const intake = yield* Intake.start(consumer, settings, parts)
    const writer = Writer.make(pool, tables, deleteModes)
    const ackAll = Acks.make(nats.nc)

    // Batches that are failing right now (each writer may hold one): ready again only when none is.
    let failing = 0
    const probe = Database.tryDatabase("probe", () => pool.query<{ ro: string }>("show transaction_read_only")).pipe(
      Effect.flatMap((result) =>
        result.rows[0]?.ro === "on"
          ? readiness.notReady("postgres", "Postgres is read-only")
          : failing > 0
          ? Effect.void
          : readiness.ready("postgres")
      ),
      Effect.catchAll((error) => readiness.notReady("postgres", error.message))
    )
    yield* parts.forever("the Postgres probe", probe.pipe(Effect.repeat(Schedule.spaced(Duration.seconds(2)))))
    yield* NatsHealth.start(consumer, settings.consumer, parts, readiness, metrics)

    // The back-off never gives up: the batch is written, or the sink is stopped trying.
    const writeBatch = (items: ReadonlyArray<Writer.Item>) => {
      let counted = false
      return Effect.gen(function*() {
        if (options.beforeWrite !== undefined) yield* options.beforeWrite(items.map((item) => item.record))
        const started = performance.now()
        const written = yield* writer.write(items)
        metrics.batchSeconds.observe((performance.now() - started) / 1000)
        metrics.batchSize.observe(items.length)
        metrics.batches.inc({ outcome: "committed" })
        return written
      }).pipe(
        Effect.tapError((error) =>
          Effect.gen(function*() {
            if (!counted) failing++
            counted = true
            metrics.batches.inc({ outcome: "failed" })
            yield* readiness.notReady("postgres", error.message)
            yield* Effect.logWarning("could not write a batch; keeping it and retrying", error)
          })
        ),
        Effect.retry(backoff(settings)),
        Effect.orDie,
        Effect.ensuring(Effect.sync(() => {
          if (counted) failing--
        }))
      )
    }

    const routeOf = Routes.make(nats.ns)
    const route = (message: JsMsg) =>
      Either.map(routeOf(message.subject), (route): Writer.Item => ({
        message,
        record: { ...route, json: message.data }
      }))

    const handle = (messages: ReadonlyArray<JsMsg>) =>
      Effect.gen(function*() {
        const items: Array<Writer.Item> = []
        for (const message of messages) {
          const routed = route(message)
          if (Either.isRight(routed)) items.push(routed.right)
          else yield* giveUp(nats, settings, metrics, message, { detail: routed.left.message })
        }
        if (items.length > 0) {
          const written = yield* writeBatch(items)
          if (failing === 0) yield* readiness.ready("postgres")
          yield* settle(nats, settings, metrics, ackAll, written)
        }
        intake.release(messages)
      }).pipe(
        // Which records were in the batch, so that one that trips a bug every time can be found.
        Effect.tapDefect(() =>
          Effect.logError("a batch failed unexpectedly; none of it is acked").pipe(Effect.annotateLogs({
            records: messages.length,
            first_subject: messages[0]?.subject,
            last_subject: messages.at(-1)?.subject
          }))
        )
      )
    const work = Effect.flatMap(intake.take, handle)
    yield* Effect.logInfo("sink started").pipe(
      Effect.annotateLogs({ consumer: settings.consumer, batch_size: settings.batchSize, concurrency: settings.concurrency })
    )
    for (let i = 1; i <= settings.concurrency; i++) yield* parts.forever(`writer ${i}`, Effect.forever(work))
    // Runs until interrupted, or until a part stops: then the scope's end stops the others.
    return yield* parts.firstStopped
  }))

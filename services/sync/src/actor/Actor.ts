/**
 * One sync's actor: everything that happens to a sync while this replica holds its lease.
 * It decides from the sync log where to resume, backfills, then follows the change feed
 * for as long as it runs. It never fails on a rate limit or an outage (those are retried
 * below it). A refused API key marks the sync failed, keeping its state: the actor tries the
 * key again with back-off (one request each time) and resumes from the checkpoint once it
 * works, or the config changes (a new key), which restarts the actor. An API key this replica
 * cannot decrypt, or a source it has no connector for, marks the sync failed too, then ends the
 * actor with `CannotRunHere`, so the replica lets the sync go to one that can run it (the right
 * TRIBUTARY_SECRET_KEY, a version with the connector).
 */
import { Secrets, SyncStore } from "@tributary/core"
import type { Connector, Errors, Nats, SyncConfig, UpstreamErrors } from "@tributary/core"
import { Clock, Data, Effect, Either, Option } from "effect"
import * as Backoff from "../budget/Backoff.js"
import * as Requests from "../budget/Requests.js"
import { Connectors } from "../Connectors.js"
import { Metrics } from "../Metrics.js"
import * as Records from "../publish/Records.js"
import { SyncSettingsTag } from "../Settings.js"
import * as Checkpoint from "../state/Checkpoint.js"
import * as Coverage from "../state/Coverage.js"
import * as Milestones from "../state/Milestones.js"
import * as SyncLog from "../state/SyncLog.js"
import * as Apply from "./Apply.js"
import * as Backfill from "./Backfill.js"
import * as ChangeLoop from "./ChangeLoop.js"
import * as Status from "./Status.js"
import * as SyncStamp from "./SyncStamp.js"

export interface Input {
  readonly config: SyncConfig.SyncConfig
  /** The config's revision in the syncs bucket: a failure is sticky only for the revision that failed. */
  readonly revision: number
  /** Started because the config changed under a running actor (not for a newly taken lease). */
  readonly configChanged: boolean
}

/** The status the previous actor of the sync left, when there is one that can be read. */
const previousPhase = (sync: SyncConfig.SyncConfig["id"]) =>
  SyncStore.status(sync).pipe(
    Effect.map(Option.map((status) => status.phase)),
    Effect.catchAllCause(() => Effect.succeed(Option.none()))
  )

/**
 * The sync's milestones. Those from before this config was created belong to an earlier sync of
 * the same id (one a replica appended while the sync was being deleted): not this sync's history.
 */
const milestonesOf = (config: SyncConfig.SyncConfig) =>
  Effect.map(SyncLog.read(config.id), (all) => all.filter((m) => m.at >= config.created_at))

/**
 * What the sync's checkpoint and log record, for the new actor's first status: the progress so
 * far and, when the log's last milestone is a `failed` of this config revision, that the sync is
 * failed and why. A new actor (a takeover, a restart after a late lease renewal) of a failed
 * sync first tries its key, and that try may take long (a slow answer, a 5xx retried with
 * back-off): starting `pending`, the status said `pending`, without a reason, all that time.
 * Only a report: when NATS cannot tell now, the actor starts with none (`pending`), and the log
 * decides at its first attempt.
 */
const knownAtStart = (config: SyncConfig.SyncConfig, revision: number): Effect.Effect<Status.Start, never, Nats.Nats> =>
  Effect.gen(function*() {
    const store = yield* Checkpoint.open(config.id)
    const milestones = yield* milestonesOf(config)
    const progress = Backfill.progressAtStart(yield* store.current, milestones)
    const decided = Milestones.plan(milestones, revision)
    return decided._tag === "KeyRefused" ? { phase: "failed" as const, reason: decided.reason, progress } : { progress }
  }).pipe(
    Effect.catchAll((error) => Effect.as(Effect.logWarning(`could not read the sync's progress so far: ${error.message}`), {}))
  )

/**
 * A burst of a quarter second's budget: enough to catch up after a moment without demand,
 * while the upstream's own bucket (Stripe's holds a second's worth) never runs dry.
 */
const burstOf = (perSecond: number) => Math.max(1, Math.floor(perSecond / 4))

const selectedCollections = (connector: Connector.Connector, config: SyncConfig.SyncConfig) => {
  const offered = connector.collections.map((c) => c.id)
  if (config.collections === "all") return { selected: offered, unknown: [] }
  return {
    selected: config.collections.filter((c) => offered.includes(c)),
    unknown: config.collections.filter((c) => !offered.includes(c))
  }
}

/**
 * This replica cannot run the sync, and another may: it cannot decrypt the API key (a rolling
 * update of TRIBUTARY_SECRET_KEY, one misconfigured pod), or it has no connector for the sync's
 * source (replicas of different versions side by side). So the actor does not hold the sync: it
 * ends with this, and the replica lets the lease go and leaves the sync to the others for a while.
 */
export class CannotRunHere extends Data.TaggedError("CannotRunHere")<{
  readonly sync: SyncConfig.SyncConfig["id"]
  /** What this replica lacks that another may have. */
  readonly lacks: string
}> {
  override get message() {
    return `this replica cannot run ${this.sync}: ${this.lacks}`
  }
}

/**
 * The operator changed TRIBUTARY_SECRET_KEY (or the replicas do not share one): nothing the
 * actor can retry fixes that, so the reason says both ways out. A replica with the old secret
 * key takes the sync over and resumes from the sync log (trying the key once); a new API key
 * restarts the actor at once.
 */
const undecryptable = (sync: SyncConfig.SyncConfig["id"], error: Errors.SecretUnreadable) =>
  `sync ${sync}: its API key cannot be decrypted with this replica's TRIBUTARY_SECRET_KEY (${error.detail}): the key changed ` +
  `since the API key was stored, or the replicas do not share one. Start the sync service with the TRIBUTARY_SECRET_KEY ` +
  `the sync was created with, or give the sync its API key again (PATCH /v1/syncs/${sync} with api_key), which stores it ` +
  `with the current one; its state is kept and it resumes where it stopped`

/**
 * A replica of another version of the sync service (a rolling update) may have the connector this
 * one lacks. Without the replica's name, so that replicas taking turns with the sync say the same
 * failure (and log it once).
 */
const noConnector = (sync: SyncConfig.SyncConfig["id"], source: string) =>
  `sync ${sync}: this replica of the sync service has no connector for its source ${source} (replicas of different ` +
  `versions run side by side, as during a rolling update); a replica that has one takes the sync over and resumes where ` +
  `it stopped, its state kept. Run at least one replica of a version with a connector for ${source}`

export const run = (input: Input) =>
  Effect.gen(function*() {
    const { config } = input
    const sync = config.id
    const settings = yield* SyncSettingsTag
    const metrics = yield* Metrics
    // A config change restarts the actor: the status goes on from the phase the last actor
    // reported, so the change is a transition of its own (and a milestone), not a fresh start.
    // Otherwise it starts where the log says the sync is: failed, or pending.
    const known = yield* knownAtStart(config, input.revision)
    const previous = input.configChanged ? Option.getOrUndefined(yield* previousPhase(sync)) : undefined
    const status = yield* Status.make(sync, settings.replicaId, previous === undefined ? known : { phase: previous, progress: known.progress ?? {} })
    if (input.configChanged) {
      yield* SyncLog.append(sync, { _tag: "config_changed", at: new Date().toISOString(), config_revision: input.revision }).pipe(
        Effect.catchAll((error) => Effect.logWarning(`could not log the config change: ${error.message}`))
      )
    }

    if (config.state === "paused") {
      if ((yield* status.state).phase !== "paused") yield* status.move("pause")
      return yield* Effect.never
    }
    const phase = (yield* status.state).phase
    if (phase === "paused") yield* status.move("resume")
    else if (input.configChanged && phase !== "pending") yield* status.move("config_changed", `the config changed (revision ${input.revision}); starting again with it`)
    /**
     * `failed` in the sync log, once per failure episode: not again when the log's last
     * milestone already says it (the same failure seen by another actor or replica). Logged
     * before the status says failed: an actor stopped in between (its replica shut down, its
     * lease lost) then leaves a log that says failed, so the next one starts failed and tries
     * the key first. The other way round, the status said failed while the log did not yet (the
     * log is read before it is appended to), and the next actor, knowing nothing of the failure,
     * started `pending` and resumed as if there were none.
     */
    const logFailure = (reason: string) =>
      Effect.gen(function*() {
        const milestones = yield* milestonesOf(config)
        if (Milestones.alreadyFailed(milestones, input.revision, reason)) return
        yield* SyncLog.append(sync, { _tag: "failed", at: new Date().toISOString(), reason, config_revision: input.revision })
      }).pipe(Effect.catchAll((error) => Effect.logWarning(`could not log the failure: ${error.message}`)))
    const fail = (reason: string) =>
      Effect.gen(function*() {
        yield* logFailure(reason)
        yield* status.fail(reason)
        yield* Effect.logError(`sync ${sync} failed: ${reason}`)
      })

    const keys = yield* Secrets.SecretKeys
    const apiKey = Secrets.decrypt(keys, config.api_key)
    if (Either.isLeft(apiKey)) {
      yield* fail(undecryptable(sync, apiKey.left))
      return yield* new CannotRunHere({ sync, lacks: "its API key cannot be decrypted with this replica's TRIBUTARY_SECRET_KEY" })
    }
    const connector = (yield* Connectors).forSource(config.source)
    if (connector === undefined) {
      yield* fail(noConnector(sync, config.source))
      return yield* new CannotRunHere({ sync, lacks: `it has no connector for ${config.source}, the sync's source` })
    }
    const { selected, unknown } = selectedCollections(connector, config)
    if (unknown.length > 0) yield* Effect.logWarning(`${connector.source} offers no collection ${unknown.join(", ")}; ignored`)

    const shape = connector.rateLimit(config.rate_budget, { apiKey: apiKey.right, apiBaseUrl: config.api_base_url })
    const perSecond = (shape.requests * 1000 / shape.windowMs) * config.rate_budget.share
    yield* Effect.logInfo(`sync ${sync}: a budget of ${perSecond} req/s (${config.rate_budget.share} of ${shape.requests} per ${shape.windowMs} ms)`)
    const budget = Requests.budget(perSecond, burstOf(perSecond))
    const connection = yield* connector.connect({
      apiKey: apiKey.right,
      account: config.account,
      apiBaseUrl: config.api_base_url,
      collections: selected,
      requests: Requests.make(sync, budget, metrics, status.setUpstreamTrouble)
    })
    const publisher = yield* Records.make({
      sync: { id: sync, external_id: config.external_id, metadata: config.metadata },
      specs: new Map(connector.collections.map((spec) => [spec.id, spec]))
    })
    const applier = Apply.make({
      sync,
      connection,
      publisher,
      selected: new Set(selected),
      metrics,
      publishConcurrency: settings.publishConcurrency
    })

    const stamp = SyncStamp.of(config)

    /** Everything that may fail with a NATS error is retried from the sync log and checkpoint. */
    const body = (n: number) => Effect.gen(function*() {
      const milestones = yield* milestonesOf(config)
      const decided = Milestones.plan(milestones, input.revision)
      if (decided._tag === "KeyRefused") {
        // This key failed last time (refused, or not decrypted by another replica): one
        // request tells whether it works now, before anything is loaded (a refusal takes the
        // sync back to its back-off). Once it does, the log says the failure is over.
        const tried = yield* Effect.either(connection.changes.head)
        if (Either.isLeft(tried)) {
          if (tried.left._tag === "UpstreamAuthFailed") return yield* tried.left
          // Refused otherwise (a 403): it says nothing about the key, so the sync is still failed
          // for the reason the log gives, and tries the key again with back-off.
          yield* Effect.logWarning(`sync ${sync}: trying the API key failed otherwise: ${tried.left.message}; the sync stays failed`)
          return yield* refused(n, decided.reason)
        }
        yield* SyncLog.append(sync, { _tag: "key_accepted", at: new Date().toISOString(), config_revision: input.revision })
      }
      // Started failed (the log said so then): the key works now, or the log says so no more.
      if ((yield* status.state).phase === "failed") yield* status.move("key_accepted")
      let plan: Milestones.Resume = decided._tag === "KeyRefused" ? decided.resume : decided
      const loaded = yield* publisher.load
      const store = yield* Checkpoint.open(sync)
      yield* SyncStamp.ensure({ sync, stamp, publisher, loaded, store, generation: plan.generation })
      yield* Effect.logInfo(`sync ${sync} starts: ${plan._tag}`).pipe(
        Effect.annotateLogs({ records_known: loaded, milestones: milestones.length })
      )
      const loopOptions = { sync, connection, applier, store, status, pollIntervalMs: settings.pollIntervalMs }
      for (;;) {
        switch (plan._tag) {
          case "Fresh":
          case "ResumeBackfill": {
            const generation = plan.generation
            const cursor = plan._tag === "ResumeBackfill" ? plan.cursor as Connector.Json : yield* connection.changes.head
            if (plan._tag === "Fresh") {
              yield* SyncLog.append(sync, {
                _tag: "backfill_started",
                at: new Date().toISOString(),
                generation,
                cursor,
                collections: selected
              })
            }
            const phase = (yield* status.state).phase
            yield* status.move(phase === "pending" ? "start_backfill" : "cursor_expired")
            const saved = yield* store.current
            const initial = Option.isSome(saved) && saved.value.generation === generation ? saved.value : Checkpoint.empty(generation)
            const done = yield* Backfill.run({ sync, connection, applier, store, status, metrics, budget, live: publisher.live }, initial, connection.backfill.plan(selected))
            yield* store.save({ ...done, feed: cursor, collections: selected, sync_stamp: stamp })
            yield* SyncLog.append(sync, {
              _tag: "backfill_complete",
              at: new Date().toISOString(),
              generation,
              cursor,
              row_counts: done.row_counts
            })
            yield* status.move("backfill_complete")
            plan = { _tag: "FollowChanges", generation, cursor, caughtUp: false }
            break
          }
          case "FollowChanges": {
            const generation = plan.generation
            const saved = yield* store.current
            const cursor = Option.isSome(saved) && saved.value.generation === generation && saved.value.feed !== null && saved.value.feed !== undefined
              ? saved.value.feed as Connector.Json
              : plan.cursor as Connector.Json
            const covered = Coverage.covered(saved, milestones, generation)
            const added = Coverage.missing(covered, selected)
            if (added.length > 0) {
              // Collections added since the backfill (or removed and added again) were never
              // listed, or not followed for a while: the feed cannot complete their copy.
              yield* Effect.logInfo(
                `sync ${sync}: ${added.join(", ")} not backfilled yet (added to the sync since its backfill); backfilling ` +
                  `what they need, then replaying the changes from the sync's feed cursor`
              )
              yield* store.save(Coverage.widened(saved, generation, covered, selected, connection.backfill.plan(selected), cursor))
              yield* SyncLog.append(sync, { _tag: "backfill_started", at: new Date().toISOString(), generation, cursor, collections: selected })
              plan = { _tag: "ResumeBackfill", generation, cursor }
              break
            }
            // A collection removed is no longer followed: added again, it is backfilled again.
            const followed = covered.filter((collection) => selected.some((c) => c === collection))
            if (Option.isNone(saved) || saved.value.generation !== generation || saved.value.collections?.length !== followed.length) {
              const base = Option.isSome(saved) && saved.value.generation === generation ? saved.value : Checkpoint.empty(generation)
              yield* store.save({ ...base, collections: followed })
            }
            if ((yield* status.state).phase === "pending") yield* status.move("resume_events")
            const expired = yield* Effect.flip(ChangeLoop.run(loopOptions, generation, cursor, plan.caughtUp)).pipe(
              Effect.flatMap((error) => error._tag === "FeedExpired" ? Effect.succeed(error) : Effect.fail(error))
            )
            yield* SyncLog.append(sync, { _tag: "cursor_expired", at: new Date().toISOString(), generation, detail: expired.message })
            yield* Effect.logWarning(`sync ${sync}: ${expired.message}`)
            plan = { _tag: "Fresh", generation: generation + 1 }
          }
        }
      }
    })

    /**
     * A refused key's reason. The log keeps it without the countdown, so the same refusal reads
     * the same (and is logged once) whichever attempt or actor meets it.
     */
    const refusalOf = (error: UpstreamErrors.UpstreamAuthFailed) =>
      `sync ${sync}: ${error.message}. Give the sync a valid API key (or restore this one): its state is kept and it ` +
      `resumes where it stopped`

    /** A rejected request or a NATS failure outside the retried paths: start over from the log and checkpoint. */
    const retry = (n: number, reason: string): Effect.Effect<never, Checkpoint.CheckpointConflict, Nats.Nats> =>
      Effect.gen(function*() {
        const wait = Backoff.delay(Backoff.patient, n)
        yield* Effect.logError(`sync ${sync} stopped: ${reason}; resuming in ${wait} ms`)
        const stopped = `stopped: ${reason}; resuming in ${Math.ceil(wait / 1000)} s`
        // Pending already (it never got going): the phase stays, and the status says why. Failed
        // (as the log said when the actor started, its key not tried yet): it stays failed, for
        // the log's reason, which is what the user has to act on.
        const phase = (yield* status.state).phase
        if (phase === "pending") yield* status.setReason(stopped)
        else if (phase !== "failed") yield* status.move("restart", stopped)
        yield* Effect.sleep(wait)
        return yield* attempt(n + 1)
      })
    /**
     * The key was refused: the sync is failed, says why (never the key: Stripe shows only its
     * last characters), and tries the key again with back-off, one request at a time, until it
     * works; then it starts over from the log and checkpoint. A new key (a config change)
     * restarts the actor instead.
     */
    const refused = (n: number, first: string): Effect.Effect<never, Checkpoint.CheckpointConflict, Nats.Nats> =>
      Effect.gen(function*() {
        let refusal = first
        for (let k = n; ; k++) {
          const wait = Backoff.delay(Backoff.patient, k)
          const reason = `${refusal}; trying the key again in ${Math.ceil(wait / 1000)} s`
          // The first step says the failure: moved to failed, or (failed at the start, as the log
          // said) with this refusal's reason, and logged once per episode.
          if (k === n) {
            yield* logFailure(refusal)
            yield* status.fail(reason)
            yield* Effect.logError(reason)
          } else {
            yield* status.setReason(reason)
          }
          yield* Effect.sleep(wait)
          // Only a try that succeeds says the key works. A 5xx or a network error is retried below
          // (`Requests.run`); another refusal (a 403, a 404) says nothing about the key: the sync
          // stays failed and tries again after the next step.
          const probe = yield* Effect.either(connection.changes.head)
          if (probe._tag === "Right") break
          if (probe.left._tag === "UpstreamAuthFailed") refusal = refusalOf(probe.left)
          else yield* Effect.logWarning(`sync ${sync}: trying the API key again failed otherwise: ${probe.left.message}; the sync stays failed`)
        }
        yield* Effect.logInfo(`sync ${sync}: the API key is accepted again; resuming`)
        yield* status.move("key_accepted")
        return yield* attempt(1)
      })
    const attempt = (n: number): Effect.Effect<never, Checkpoint.CheckpointConflict, Nats.Nats> =>
      Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        // After a healthy run, a failure backs off from the beginning again.
        const failed = Effect.map(Clock.currentTimeMillis, (now) => Backoff.attemptAfterRun(Backoff.patient, n, now - startedAt))
        return yield* body(n).pipe(
          Effect.catchTags({
            UpstreamAuthFailed: (error) => Effect.flatMap(failed, (k) => refused(k, refusalOf(error))),
            UpstreamRejected: (error) => Effect.flatMap(failed, (k) => retry(k, error.message)),
            NatsError: (error) => Effect.flatMap(failed, (k) => retry(k, error.message))
          })
        )
      })
    return yield* attempt(1)
  }).pipe(
    Effect.annotateLogs({ sync: input.config.id }),
    Effect.scoped
  )

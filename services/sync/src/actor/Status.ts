/**
 * What an actor reports about its sync: phase (moved only through the lifecycle table),
 * progress per collection, ETA and lag, written to `<sync>.status` in the checkpoints
 * bucket at most once a second and at once on a phase change. `tributary syncs list` and
 * the management API read it.
 *
 * Writes are made one at a time, each of the state as it is when its turn comes, so the last
 * one stored is the newest: the once-a-second write and a phase change's ran side by side, and
 * one that had read the state before the change could reach the bucket after it and leave the
 * old phase there. A write that fails is made again a second later, changes or not: a `paused`
 * or `failed` whose write failed stayed unwritten, nothing changing after it.
 *
 * Each write expects the revision of the status last stored here (compare-and-set), so an
 * actor whose replica lost the lease without knowing yet (paused through a handover) cannot
 * write over the new owner's status: a plain put left the old owner and phase in `syncs list`
 * until the new owner next changed something. When the status was written by someone else
 * since, the lease decides: held by another replica (or by none), this actor lost its sync and
 * writes no more (its replica stops it); held by this replica, the other writer was the sync's
 * previous owner, late, and its status is written over at the revision now stored.
 */
import { Collection, Nats, SyncStatus } from "@tributary/core"
import type { Errors, Ids } from "@tributary/core"
import { Effect, Ref, Schedule, Schema } from "effect"
import { Metrics } from "../Metrics.js"
import * as Leases from "../replica/Leases.js"
import * as Lifecycle from "./Lifecycle.js"

export interface State {
  readonly phase: Lifecycle.Phase
  readonly reason: string | undefined
  readonly progress: Readonly<Record<string, SyncStatus.CollectionProgress>>
  readonly etaSeconds: number | undefined
  /** While the backfill's ETA is not known yet: what it waits for. */
  readonly estimating: SyncStatus.Estimating | undefined
  readonly lagSeconds: number | undefined
}

const encode = Schema.encodeSync(Schema.parseJson(SyncStatus.SyncStatus))

/** Writes in a row that may find the status written by someone else while this replica holds the lease. */
const CONFLICTS_PER_WRITE = 3

type Stored =
  | { readonly _tag: "stored" }
  /** Written by someone else since, and the lease is not this replica's: `holder`'s, or no one's. */
  | { readonly _tag: "lost"; readonly holder: string | undefined }

export interface Reporter {
  readonly state: Effect.Effect<State>
  readonly move: (trigger: Lifecycle.Trigger, reason?: string) => Effect.Effect<void>
  /**
   * Failed, for `reason`, written at once: moved there (`auth_failed`), or, failed already (the
   * log said so when the actor started), with the reason set. At once, as an actor that fails
   * may end right after (`CannotRunHere`), before the next periodic write.
   */
  readonly fail: (reason: string) => Effect.Effect<void>
  readonly setReason: (reason: string | undefined) => Effect.Effect<void>
  /**
   * The upstream does not answer as it should (5xx, 429, unreachable) and requests are being
   * retried: said as the reason, so an operator sees why the sync does not move; `undefined`
   * once a request succeeds. It never replaces another reason (a failure, a refusal), and
   * clears only its own.
   */
  readonly setUpstreamTrouble: (note: string | undefined) => Effect.Effect<void>
  readonly setProgress: (
    progress: Record<string, SyncStatus.CollectionProgress>,
    etaSeconds: number | undefined,
    estimating?: SyncStatus.Estimating
  ) => Effect.Effect<void>
  readonly setLag: (lagSeconds: number) => Effect.Effect<void>
}

/** What a new actor's first status says, before it has done anything. */
export interface Start {
  /**
   * The phase the sync's previous actor reported, when this one takes over from it (a config
   * change); `failed` when the sync log says the sync is failed (its first write must not say
   * `pending` for a sync that is failed until a try of its key succeeds). `pending` otherwise.
   */
  readonly phase?: Lifecycle.Phase
  /** Why, with a `failed` phase: the reason the log gives. */
  readonly reason?: string
  /** What the sync's checkpoint or log says its backfill found, so the first status keeps the records. */
  readonly progress?: Readonly<Record<string, SyncStatus.CollectionProgress>>
}

export const make = (sync: Ids.SyncId, owner: string, start: Start = {}) =>
  Effect.gen(function*() {
    const initial = start.phase ?? "pending"
    const metrics = yield* Metrics
    const client = yield* Nats.Nats
    const kv = yield* Nats.bucket("checkpoints")
    const leasesKv = yield* Nats.bucket("leases")
    const key = SyncStatus.key(sync)
    const state = yield* Ref.make<State>({
      phase: initial,
      reason: start.reason,
      progress: start.progress ?? {},
      etaSeconds: undefined,
      estimating: undefined,
      lagSeconds: undefined
    })
    /** Changes made to the state, and how many of them the bucket holds. */
    const changes = yield* Ref.make(1)
    const written = yield* Ref.make(0)
    const changed = Ref.update(changes, (n) => n + 1)
    const oneAtATime = yield* Effect.makeSemaphore(1)
    /** The revision of the status as this actor last stored it; undefined until read from the bucket. */
    const revision = yield* Ref.make<number | undefined>(undefined)
    /** Set once another replica holds the sync: this actor writes its status no more. */
    const lost = yield* Ref.make(false)

    const storedRevision = Nats.request(client, `read the status of ${sync}`, () => kv.get(key)).pipe(
      Effect.map((entry) => entry?.revision ?? 0)
    )
    const store = (body: string, conflicts = 0): Effect.Effect<Stored, Errors.NatsError> =>
      Effect.gen(function*() {
        const expected = (yield* Ref.get(revision)) ?? (yield* storedRevision)
        const written = yield* Nats.request(client, `write the status of ${sync}`, () => Nats.writeAtRevision(kv, key, body, expected))
        yield* Ref.set(revision, written)
        if (written !== undefined) return { _tag: "stored" } as const
        const holder = yield* Leases.holder(client, leasesKv, sync)
        if (holder !== owner) return { _tag: "lost", holder } as const
        if (conflicts + 1 < CONFLICTS_PER_WRITE) return yield* store(body, conflicts + 1)
        return yield* Nats.toNatsError(`write the status of ${sync}`)(
          new Error(`it was written by someone else ${CONFLICTS_PER_WRITE} times in a row while this replica holds the lease`)
        )
      })

    const write = oneAtATime.withPermits(1)(Effect.gen(function*() {
      if (yield* Ref.get(lost)) return
      const upTo = yield* Ref.get(changes)
      if (upTo === (yield* Ref.get(written))) return
      const s = yield* Ref.get(state)
      const status = new SyncStatus.SyncStatus({
        sync_id: sync,
        phase: s.phase,
        ...(s.reason === undefined ? {} : { reason: s.reason }),
        owner,
        progress: Object.fromEntries(Object.entries(s.progress).map(([collection, p]) => [Collection.CollectionId.make(collection), p])),
        ...(s.etaSeconds === undefined ? {} : { eta_seconds: s.etaSeconds }),
        ...(s.estimating === undefined ? {} : { estimating: s.estimating }),
        ...(s.lagSeconds === undefined ? {} : { lag_seconds: s.lagSeconds }),
        updated_at: new Date().toISOString()
      })
      const stored = yield* store(encode(status)).pipe(
        Effect.catchAll((error) =>
          Effect.as(Effect.logWarning(`could not write the sync's status (trying again in a second): ${error.message}`), undefined)
        )
      )
      if (stored?._tag === "stored") yield* Ref.set(written, upTo)
      if (stored?._tag === "lost") {
        yield* Ref.set(lost, true)
        const now = stored.holder === undefined ? "no replica holds its lease" : `replica ${stored.holder} holds its lease`
        yield* Effect.logWarning(`sync ${sync}: its status was written elsewhere and ${now}; this actor no longer writes it`)
      }
    }))
    yield* Effect.forkScoped(Effect.repeat(write, Schedule.spaced("1 second")))

    const showPhase = (phase: Lifecycle.Phase) =>
      Effect.sync(() => {
        for (const p of SyncStatus.Phase.literals) metrics.phase.set({ sync, phase: p }, p === phase ? 1 : 0)
      })
    yield* showPhase(initial)
    yield* Effect.addFinalizer(() => Effect.sync(() => {
      for (const p of SyncStatus.Phase.literals) metrics.phase.remove({ sync, phase: p })
      metrics.lagSeconds.remove({ sync })
    }))

    /** The last reason `setUpstreamTrouble` gave: the only one it clears. */
    let trouble: string | undefined
    const move = (trigger: Lifecycle.Trigger, reason?: string) =>
      Effect.gen(function*() {
        // In one step, so that progress or lag set meanwhile by another fiber is not lost.
        const [from, phase] = yield* Ref.modify(state, (before): [readonly [Lifecycle.Phase, Lifecycle.Phase], State] => {
          const to = Lifecycle.transition(before.phase, trigger)
          return [[before.phase, to], { ...before, phase: to, reason }]
        })
        yield* changed
        yield* showPhase(phase)
        yield* Effect.logInfo(`sync ${sync}: ${from} → ${phase} (${trigger})`)
        yield* write
      })

    return {
      state: Ref.get(state),
      move,
      fail: (reason) =>
        Effect.flatMap(Ref.get(state), (s) =>
          s.phase !== "failed"
            ? move("auth_failed", reason)
            : Ref.update(state, (now) => ({ ...now, reason })).pipe(Effect.zipRight(changed), Effect.zipRight(write))),
      setReason: (reason) => Ref.update(state, (s) => ({ ...s, reason })).pipe(Effect.zipRight(changed)),
      setUpstreamTrouble: (note) =>
        Effect.flatMap(Ref.modify(state, (s): [boolean, State] => {
          const ours = s.reason !== undefined && s.reason === trouble
          if (note === undefined) return ours ? [true, { ...s, reason: undefined }] : [false, s]
          if (s.phase === "failed" || (s.reason !== undefined && !ours)) return [false, s]
          trouble = note
          return [true, { ...s, reason: note }]
        }), (moved) => moved ? changed : Effect.void),
      setProgress: (progress, etaSeconds, estimating) =>
        Ref.update(state, (s) => ({ ...s, progress, etaSeconds, estimating })).pipe(Effect.zipRight(changed)),
      setLag: (lagSeconds) =>
        Ref.update(state, (s) => ({ ...s, lagSeconds })).pipe(
          Effect.zipRight(changed),
          Effect.zipRight(Effect.sync(() => metrics.lagSeconds.set({ sync }, lagSeconds)))
        )
    } satisfies Reporter
  })

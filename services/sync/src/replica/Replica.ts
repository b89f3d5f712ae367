/**
 * One replica of the sync service: it watches the `syncs` bucket (so created, paused,
 * resumed and deleted syncs are picked up without a restart) and the `leases` bucket, takes
 * free leases, renews the ones it holds, and runs an actor for each. A config change
 * restarts that sync's actor; a lost lease stops it at once. A sync this replica cannot run (it
 * cannot decrypt the API key, or has no connector for the source) is let go and left to the other
 * replicas for a back-off (`Leases.declineMs`).
 */
import type { KV } from "@nats-io/kv"
import { Ids, Nats, SyncConfig, SyncStatus } from "@tributary/core"
import { Cause, Context, Effect, Exit, Fiber, Layer, Option, Predicate, Schema } from "effect"
import * as Actor from "../actor/Actor.js"
import { Metrics } from "../Metrics.js"
import { SyncSettingsTag } from "../Settings.js"
import * as Checkpoint from "../state/Checkpoint.js"
import * as Leases from "./Leases.js"

/** A sync this replica let go because it cannot run it (this config revision of it). */
interface Declined {
  readonly configRevision: number
  readonly times: number
  readonly until: number
}

interface Known {
  readonly config: SyncConfig.SyncConfig
  readonly revision: number
}

interface Owned {
  leaseRevision: number
  lastRenewedAt: number
  configRevision: number
  fiber: Fiber.RuntimeFiber<unknown, unknown>
}

/**
 * A lease write NATS did not answer in time. A request to a server that is away waits for
 * nats.js's timeout (5 s), longer than an owner may go without renewing; a write answered
 * late (sent once the connection is back) shows in the bucket's watch like anyone else's.
 */
const UNANSWERED = "unanswered" as const
const unanswered = <A, E>(write: Effect.Effect<A, E>, withinMs: number) =>
  write.pipe(Effect.timeoutFail({ duration: withinMs, onTimeout: () => UNANSWERED }))

const decodeConfig = Schema.decodeUnknownOption(Schema.parseJson(SyncConfig.SyncConfig))

export interface ReplicaState {
  /** Syncs whose actor runs here. */
  readonly owned: () => ReadonlyArray<Ids.SyncId>
  readonly ready: () => boolean
}

export class Replica extends Context.Tag("@tributary/sync/Replica")<Replica, ReplicaState>() {}

const watch = (kv: KV, onEntry: (key: string, entry: { operation: string; revision: number; value: string }) => void) =>
  Nats.tryNats("watch a bucket", () => kv.watch({ key: ">" })).pipe(
    Effect.flatMap((iterator) =>
      Effect.acquireRelease(Effect.succeed(iterator), (it) => Effect.sync(() => it.stop()))
    ),
    Effect.flatMap((iterator) =>
      Effect.forkScoped(Effect.promise(async () => {
        for await (const entry of iterator) {
          onEntry(entry.key, { operation: entry.operation, revision: entry.revision, value: entry.string() })
        }
      }))
    )
  )

export const make = Effect.gen(function*() {
  const client = yield* Nats.Nats
  const { kvm, ns } = client
  const settings = yield* SyncSettingsTag
  const metrics = yield* Metrics
  const me = settings.replicaId
  const ttl = settings.leaseTtlMs
  const syncsKv = yield* Nats.tryNats("open the syncs bucket", () => kvm.open(ns.buckets.syncs))
  const leasesKv = yield* Nats.tryNats("open the leases bucket", () => kvm.open(ns.buckets.leases))
  const checkpointsKv = yield* Nats.tryNats("open the checkpoints bucket", () => kvm.open(ns.buckets.checkpoints))

  const known = new Map<string, Known>()
  const leases = new Map<string, Leases.Observed>()
  const owned = new Map<string, Owned>()
  /**
   * When a round here first saw each sync that never had a lease (a new one): free since then.
   * Every replica is in the same place there, and counting from a round leaves the others one
   * to see the sync, so a replica up a moment earlier does not take every new sync.
   */
  const noticed = new Map<string, number>()
  let watching = false
  const declined = new Map<string, Declined>()
  /** Syncs whose actor stopped because NATS did not answer a renewal in time. */
  const stalled = new Set<string>()
  /** Configs that failed to decode, by sync, until the next tick says so in the log. */
  const unreadable = new Map<string, number>()

  /** Deleted syncs whose checkpoint and status may still be there (see the tick). */
  const deleted = new Set<string>()

  yield* watch(syncsKv, (key, entry) => {
    if (entry.operation !== "PUT") {
      known.delete(key)
      noticed.delete(key)
      deleted.add(key)
      return
    }
    deleted.delete(key)
    const config = decodeConfig(entry.value)
    if (Option.isSome(config)) known.set(key, { config: config.value, revision: entry.revision })
    else unreadable.set(key, entry.revision)
  })
  yield* watch(leasesKv, (key, entry) => {
    leases.set(key, {
      revision: entry.revision,
      owner: entry.operation === "PUT" ? Leases.ownerOf(entry.value) : undefined,
      held: entry.operation === "PUT",
      seenAt: Date.now()
    })
  })
  watching = true

  const runtime = yield* Effect.runtime<Effect.Effect.Context<ReturnType<typeof Actor.run>>>()
  const scope = yield* Effect.scope

  const startActor = (id: string, input: Known, configChanged: boolean) =>
    Effect.gen(function*() {
      const supervised = Actor.run({ config: input.config, revision: input.revision, configChanged }).pipe(
        Effect.onExit((exit) => {
          if (!Exit.isFailure(exit) || Cause.isInterruptedOnly(exit.cause)) return Effect.void
          const failure = Cause.failureOption(exit.cause)
          return Option.isSome(failure) && failure.value._tag === "CannotRunHere"
            ? decline(id, input.revision, failure.value)
            : stopped(id, exit.cause).pipe(Effect.zipRight(giveUp(id)))
        })
      )
      return yield* Effect.forkIn(Effect.provide(supervised, runtime), scope)
    })

  // A checkpoint written elsewhere is the fence doing its job (the sync was taken over, or
  // deleted while its actor ran): worth a line, not an error with a stack.
  const stopped = (id: string, cause: Cause.Cause<unknown>) => {
    const failure = Cause.failureOption(cause)
    return Option.isSome(failure) && Predicate.isTagged(failure.value, "CheckpointConflict")
      ? Effect.logWarning(`the actor of ${id} stopped: its checkpoint was written elsewhere (the sync was taken over or deleted)`)
      : Effect.logError(`the actor of ${id} stopped`, cause)
  }

  const stopActor = (id: string) =>
    Effect.gen(function*() {
      const actor = owned.get(id)
      if (actor === undefined) return
      owned.delete(id)
      metrics.actors.set(owned.size)
      yield* Fiber.interrupt(actor.fiber)
      return actor
    })

  /** The actor failed (its checkpoint was taken over): let the lease go so whoever owns the sync now runs it. */
  const giveUp = (id: string) =>
    Effect.gen(function*() {
      const actor = owned.get(id)
      if (actor === undefined) return
      owned.delete(id)
      metrics.actors.set(owned.size)
      yield* Leases.release(leasesKv, id, actor.leaseRevision, ttl)
    })

  /**
   * This replica cannot run the sync (its actor said why in the status and the log): let the
   * lease go at once so a replica that can (the right TRIBUTARY_SECRET_KEY, the connector) takes
   * it, and do not take it again for a while. When no replica can, they take turns, each backing
   * off longer, and the sync stays failed with the reason in between.
   */
  const decline = (id: string, configRevision: number, why: Actor.CannotRunHere) =>
    Effect.gen(function*() {
      const before = declined.get(id)
      const times = before?.configRevision === configRevision ? before.times + 1 : 1
      const waitMs = Leases.declineMs(times, ttl)
      declined.set(id, { configRevision, times, until: Date.now() + waitMs })
      yield* giveUp(id)
      metrics.leases.inc({ event: "declined" })
      yield* Effect.logWarning(
        `${why.message}; let its lease go for a replica that can, and not taking it again for ${Math.ceil(waitMs / 1000)} s`
      )
    })

  /** Whether both went (a failure is tried again at the next tick: see `deleted`). */
  const removeSyncState = (id: string) =>
    Effect.promise(async () => {
      const sync = Ids.SyncId.make(id)
      const checkpoint = await checkpointsKv.delete(Checkpoint.key(sync)).then(() => true, () => false)
      const status = await checkpointsKv.delete(SyncStatus.key(sync)).then(() => true, () => false)
      return checkpoint && status
    })

  /**
   * Renew a held lease. The actor must be gone at 80% of the TTL without a renewal, before
   * another replica may take the lease: a renewal NATS does not answer (it is away, or this
   * process is too busy to read the answer) waits no longer than that.
   */
  const renew = (id: string, actor: Owned) =>
    Effect.gen(function*() {
      const left = Math.max(0, actor.lastRenewedAt + ttl * 0.8 - Date.now())
      if (left === 0) {
        // The round came too late to ask NATS in time (this process was too busy).
        yield* stopActor(id)
        stalled.add(id)
        metrics.leases.inc({ event: "lost" })
        return yield* Effect.logWarning(`could not renew the lease of ${id} within 80% of the TTL (this process was too busy); its actor stopped`)
      }
      const renewed = yield* Effect.either(unanswered(Leases.renew(client, leasesKv, id, me, actor.leaseRevision), left))
      if (renewed._tag === "Right" && renewed.right !== undefined) {
        actor.leaseRevision = renewed.right
        actor.lastRenewedAt = Date.now()
        metrics.leases.inc({ event: "renewed" })
        // Let go while the renewal was out (the actor ended, the sync was deleted): that release
        // expected the revision before this one, so it is this one's to do.
        if (owned.get(id) !== actor) yield* Leases.release(leasesKv, id, renewed.right, ttl)
      } else if (owned.get(id) !== actor) {
        // This actor was let go while its renewal was out, and its release made the renewal
        // fail: the actor now under this id (if any) has a lease of its own, not this one's.
        return
      } else if (renewed._tag === "Right") {
        yield* stopActor(id)
        metrics.leases.inc({ event: "lost" })
        yield* Effect.logWarning(`lost the lease of ${id} to another replica; its actor stopped`)
      } else if (renewed.left === UNANSWERED || Date.now() - actor.lastRenewedAt > ttl * 0.8) {
        // Cannot renew (NATS unreachable): stop before another replica may take over.
        const why = renewed.left === UNANSWERED ? `NATS did not answer within ${Math.round(left)} ms` : renewed.left.message
        yield* stopActor(id)
        stalled.add(id)
        metrics.leases.inc({ event: "lost" })
        yield* Effect.logWarning(`could not renew the lease of ${id}: ${why}; its actor stopped`)
      }
    })

  /**
   * Renewals have a loop of their own: behind the rest of a round (taking many leases, a
   * restarted actor's interruption, a release NATS does not answer) they came after 80% of the
   * TTL, so a healthy replica stopped its actors, or another took a lease whose actor still ran
   * here. The renewals of one round go out together: one after another, the round of a replica
   * with many syncs could outlast 80% of the TTL whenever each answer is slow.
   */
  const renewals = Effect.gen(function*() {
    const due = [...owned].filter(([id, actor]) => known.has(id) && Date.now() - actor.lastRenewedAt >= ttl / 3)
    yield* Effect.forEach(due, ([id, actor]) => renew(id, actor), { concurrency: "unbounded", discard: true })
  })

  /** Take a free lease and start the sync's actor, unless someone else wrote it first or NATS did not answer in time. */
  const take = (id: string, config: Known, lease: Leases.Observed | undefined) =>
    Effect.gen(function*() {
      const revision = yield* Effect.either(unanswered(Leases.acquire(client, leasesKv, id, me, lease?.revision), ttl / 5))
      if (revision._tag === "Left" || revision.right === undefined) return
      stalled.delete(id)
      leases.set(id, { revision: revision.right, owner: me, held: true, seenAt: Date.now() })
      const fiber = yield* startActor(id, config, false)
      owned.set(id, { leaseRevision: revision.right, lastRenewedAt: Date.now(), configRevision: config.revision, fiber })
      metrics.actors.set(owned.size)
      metrics.leases.inc({ event: "acquired" })
      yield* Effect.logInfo(`took the lease of ${id}; its actor starts here`)
    })

  const tick = Effect.gen(function*() {
    for (const [id, revision] of unreadable) {
      const kept = known.has(id) ? "its actor keeps the previous config" : "the sync does not run"
      yield* Effect.logWarning(`the config of sync ${id} (revision ${revision}) cannot be read; ${kept}. Write it again through the CLI or the API.`)
    }
    unreadable.clear()
    // Held leases: restart actors whose config changed, stop the ones of deleted syncs.
    for (const [id, actor] of [...owned]) {
      const config = known.get(id)
      if (config === undefined) {
        yield* stopActor(id)
        yield* removeSyncState(id)
        yield* Leases.release(leasesKv, id, actor.leaseRevision, ttl)
        metrics.leases.inc({ event: "released" })
        yield* Effect.logInfo(`sync ${id} was deleted; its actor stopped and its checkpoint was removed`)
        continue
      }
      if (config.revision !== actor.configRevision) {
        yield* Fiber.interrupt(actor.fiber)
        // It ended on its own meanwhile (and let the lease go): nothing to restart here.
        if (owned.get(id) !== actor) continue
        actor.configRevision = config.revision
        actor.fiber = yield* startActor(id, config, true)
        yield* Effect.logInfo(`sync ${id} changed (state ${config.config.state}); its actor restarted`)
      }
    }
    for (const [id, decision] of declined) {
      if (known.get(id)?.revision !== decision.configRevision) declined.delete(id)
    }
    // A deleted sync's state goes also when no actor here saw the deletion (it had ended on its
    // own, or stopped at a late renewal): any replica removes it once no other replica holds the
    // sync's lease (that one removes it itself, after its actor stopped).
    for (const id of [...deleted]) {
      if (owned.has(id)) continue
      const lease = leases.get(id)
      // Before it is free (`freeFrom`), only a held lease: another replica's is its to clear.
      if (lease !== undefined && lease.owner !== me && Date.now() < Leases.freeFrom(lease, ttl)) continue
      if (yield* removeSyncState(id)) deleted.delete(id)
    }
    // Free leases: take them, the least busy replica first. The takes of one round go out
    // together: one after another, a round taking many (a replica starting among many syncs)
    // lasted seconds, and a lease released meanwhile was noticed late.
    const now = Date.now()
    const takes: Array<readonly [string, Known, Leases.Observed | undefined]> = []
    // In an order of this replica's own (its jitter per sync): in the same order everywhere,
    // every replica went for the same new sync each round and the one whose round came first
    // took them all, one a round.
    const order = [...known].map((entry) => [Leases.jitter(me, entry[0]), entry] as const)
      .sort(([a], [b]) => a - b).map(([, entry]) => entry)
    for (const [id, config] of order) {
      if (owned.has(id)) continue
      const lease = leases.get(id)
      // A lease this replica stopped renewing unanswered and still holds (no one took it, or
      // the renewal was written late): taken back at once, not after the TTL.
      const takeBack = stalled.has(id) && lease?.held === true && lease.owner === me
      if (!takeBack) stalled.delete(id)
      // A sync this replica declined is left to the others until then; a new config revision
      // (a new API key) is no longer declined (above), so it is tried at once.
      const knownSince = noticed.get(id) ?? now
      if (lease === undefined) noticed.set(id, knownSince)
      else noticed.delete(id)
      const candidate = { lease, knownSince, declinedUntil: declined.get(id)?.until ?? 0 }
      // Each take of this round counts as an actor for the next one's spread delay.
      if (!takeBack && now < Leases.takeableAt(candidate, owned.size + takes.length, ttl, Leases.jitter(me, id))) continue
      // At most one sync that never had a lease per round: the others' rounds come in between,
      // so new syncs spread over the replicas. A late round (a busy process) had every new
      // sync's delay behind it and took them all at once.
      if (!takeBack && lease === undefined && takes.some(([, , taken]) => taken === undefined)) continue
      takes.push([id, config, lease])
    }
    // NATS away: the takes are given up after a fifth of the TTL, so the renewals go on.
    yield* Effect.forEach(takes, ([id, config, lease]) => take(id, config, lease), { concurrency: "unbounded", discard: true })
  })

  // On shutdown, stop every actor and let its lease go, so another replica takes over at once
  // (even when a renewal interrupted on its way made the revision known here stale).
  yield* Effect.addFinalizer(() =>
    Effect.forEach([...owned.keys()], (id) =>
      Effect.flatMap(stopActor(id), (actor) =>
        actor === undefined ? Effect.void : Leases.releaseAtShutdown(leasesKv, id, me, actor.leaseRevision, ttl)), { discard: true }))
  // Forked after the finalizer above, so they are interrupted before the leases are let go.
  const roundMs = Math.max(50, Math.min(250, ttl / 10))
  yield* Effect.forkScoped(Effect.forever(renewals.pipe(Effect.zipRight(Effect.sleep(roundMs)))))
  yield* Effect.forkScoped(Effect.forever(tick.pipe(Effect.zipRight(Effect.sleep(roundMs)))))

  return {
    owned: () => [...owned.keys()].map((id) => Ids.SyncId.make(id)),
    ready: () => watching
  } satisfies ReplicaState
})

export const layer = Layer.scoped(Replica, make)

/**
 * Actor leases in the `leases` bucket, one key per sync (`<sync_id>`), value
 * `{owner, renewed_at}`. Every write is a compare-and-set on the key's revision: creating
 * expects no entry, renewing and taking over expect the revision last seen, so two
 * replicas can never both believe they acquired the same lease.
 *
 * Expiry needs no synchronised clocks: a replica watches the bucket and notes, on its own
 * clock, when each lease's revision last changed. A lease whose revision has not changed
 * for the TTL is expired; its owner stops itself earlier (at 80% of the TTL without a
 * successful renewal), so it is gone before anyone can take over.
 */
import { createHash } from "node:crypto"
import type { KV } from "@nats-io/kv"
import { Nats } from "@tributary/core"
import type { Errors } from "@tributary/core"
import { Effect } from "effect"
import * as Backoff from "../budget/Backoff.js"

export interface Observed {
  readonly revision: number
  readonly owner: string | undefined
  /** False once the key is deleted (a released lease). */
  readonly held: boolean
  /** Local ms when this revision was first seen. */
  readonly seenAt: number
}

/**
 * Local ms from which a seen lease is free: a released one since the watch saw the delete, a
 * held one a TTL after its last revision was seen (in the future while it is renewed).
 */
export const freeFrom = (lease: Observed, ttlMs: number): number => lease.held ? lease.seenAt + ttlMs : lease.seenAt

/**
 * Replicas holding more actors wait longer before taking a free lease, so actors spread out:
 * 150 ms per actor, up to half the TTL. Never longer: a replica that cannot run a sync lets it
 * go and leaves it for a TTL (`declineMs`), and a busy replica that can run it must take it
 * in that time (at 150 ms per actor without the cap, one with more than a TTL's worth, 33 at
 * 5 s, waited out the decline and lost the sync to the declining replica again).
 */
export const spreadDelayMs = (owned: number, ttlMs: number, random: number = Math.random()): number =>
  Math.min(owned * 150, ttlMs / 2) + Math.round(random * 100)

/**
 * The random part of a replica's spread delay for a sync, in [0, 1): drawn once per replica and
 * sync (a hash of both), so the delay is the same in every round. Drawn again each round, the
 * first round that drew low enough took the lease: the jitter told equal replicas apart less.
 */
export const jitter = (replica: string, sync: string): number =>
  createHash("sha256").update(`${replica}\u0000${sync}`).digest().readUInt32BE(0) / 2 ** 32

export interface Candidate {
  /** The lease as last seen; undefined when the sync never had one. */
  readonly lease: Observed | undefined
  /** Local ms when a round here first saw the sync (free since then, for a sync that never had a lease). */
  readonly knownSince: number
  /** Local ms until which this replica leaves the sync to the others (0 when it never declined it). */
  readonly declinedUntil: number
}

/**
 * Local ms from which this replica may take a sync's lease: once it is free and this replica's
 * decline of it is over, after its spread delay. Counted from those moments, not from the round
 * that first notices a released or unrenewed lease: a round comes late when the process is busy, and counted from there a
 * busy replica that can run a declined sync noticed its release late and then waited its whole
 * spread delay, past the decline, so the replica that declined it took it and let it go again.
 */
export const takeableAt = (candidate: Candidate, owned: number, ttlMs: number, random: number): number =>
  Math.max(
    candidate.lease === undefined ? candidate.knownSince : freeFrom(candidate.lease, ttlMs),
    candidate.declinedUntil
  ) + spreadDelayMs(owned, ttlMs, random)

/**
 * How long a replica leaves a sync it could not run (it cannot decrypt the API key) to the
 * others: the lease TTL, doubling each time it meets the same config again, up to 12 TTLs (a
 * minute by default): time for a replica with the right key to take it first (its spread delay
 * is 150 ms per actor it runs).
 */
export const declineMs = (times: number, ttlMs: number): number =>
  // Without jitter (random = 1): every replica that cannot run the sync steps back as long.
  Backoff.delay({ baseMs: ttlMs, maxMs: 12 * ttlMs }, times, 1)

export const value = (owner: string) => JSON.stringify({ owner, renewed_at: new Date().toISOString() })

export const ownerOf = (raw: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(raw)
    return typeof parsed === "object" && parsed !== null && "owner" in parsed && typeof parsed.owner === "string"
      ? parsed.owner
      : undefined
  } catch {
    return undefined
  }
}

/** The new revision, or undefined when someone else wrote the key first. */
export const acquire = (
  client: Nats.NatsClient,
  kv: KV,
  key: string,
  owner: string,
  expected: number | undefined
): Effect.Effect<number | undefined, Errors.NatsError> =>
  Nats.request(client, `acquire lease ${key}`, () => Nats.writeAtRevision(kv, key, value(owner), expected))

export const renew = acquire

/** Who holds the lease now, read from the bucket; undefined when no one does (let go, or never taken). */
export const holder = (client: Nats.NatsClient, kv: KV, key: string): Effect.Effect<string | undefined, Errors.NatsError> =>
  Nats.request(client, `read lease ${key}`, () => kv.get(key)).pipe(
    Effect.map((entry) => entry === null || entry.operation !== "PUT" ? undefined : ownerOf(entry.string()))
  )

/** Let the lease go, waiting no longer than `withinMs` (NATS away): unrenewed, it expires in the TTL all the same. */
export const release = (kv: KV, key: string, revision: number, withinMs: number): Effect.Effect<void> =>
  Effect.promise(() => kv.delete(key, { previousSeq: revision }).catch(() => undefined)).pipe(
    Effect.timeoutOption(withinMs),
    Effect.asVoid
  )

/**
 * At shutdown: let the lease go even when the revision known here is stale. A renewal sent just
 * before the shutdown interrupted the fibre waiting for its answer can have been stored, so the
 * delete at the known revision is refused, and the lease would stay held until the TTL ran out,
 * with no actor behind it. Then the key is read back and deleted at its current revision, if it is
 * still this owner's. Only at shutdown: while the replica runs, it may hold the key again under a
 * newer revision for a new actor, which this would let go.
 */
export const releaseAtShutdown = (kv: KV, key: string, owner: string, revision: number, withinMs: number): Effect.Effect<void> =>
  Effect.promise(async () => {
    try {
      await kv.delete(key, { previousSeq: revision })
      return
    } catch (error) {
      if (!Nats.isWrongRevision(error)) return
    }
    const entry = await kv.get(key).catch(() => null)
    if (entry === null || entry.operation !== "PUT" || ownerOf(entry.string()) !== owner) return
    await kv.delete(key, { previousSeq: entry.revision }).catch(() => undefined)
  }).pipe(
    Effect.timeoutOption(withinMs),
    Effect.asVoid
  )

/**
 * Claiming pulled messages for workers: the per-record lease that keeps one version of a
 * record in flight at a time, the gateway's own attempt count, and dead-lettering.
 *
 * For each pulled message, in one pipelined round per step across the whole batch:
 *  1. RECORDS: try to create the record's lease (the common case: nobody holds it).
 *  2. Otherwise read the lease and the settlement of the delivery that holds it, and decide
 *     (`decide`): grant, withhold (NAK with delay until the holder settles or its lease runs
 *     out), skip (a late redelivery of a message already acked or dead-lettered), or
 *     dead-letter (attempts exhausted).
 *  3. EVENTS: a change is granted only when no earlier change of the record is still
 *     undone for this consumer (a read of the subject's first message after the record's
 *     floor), so changes go out in order even when workers race.
 *  4. Write the leases with compare-and-set; a lost race goes round again.
 * A withheld message comes back after its NAK delay: the holder's remaining lease, at most
 * `withholdMaxMs`. (It is not woken early by a NAK when the holder settles: JetStream keys a
 * NAK on the stream sequence alone, so a late wake-up would also pull the message back from
 * a worker that received it in the meantime.)
 */
import type { Msg } from "@nats-io/transport-node"
import type { Kv } from "../wire/Kv.js"
import type { Wire } from "../wire/Wire.js"
import * as AckCommands from "./AckCommands.js"
import * as AckSubject from "./AckSubject.js"
import * as Lease from "./Lease.js"
import { isDone } from "./Lifecycle.js"
import type { Settled } from "./Lifecycle.js"
import * as Settlement from "./Settlement.js"
import * as Settlements from "./Settlements.js"

export interface Candidate {
  readonly msg: Msg
  readonly reply: string
  readonly delivery: AckSubject.Delivery
  /** The record's subject on RECORDS/EVENTS (for a redriven message: where it came from). */
  readonly subject: string
  readonly leaseKey: string
  readonly index: number
}

export interface Granted {
  readonly candidate: Candidate
  readonly batch: string
}

export interface ClaimContext {
  readonly wire: Wire
  readonly kv: Kv
  readonly kind: "records" | "events"
  readonly source: Lease.Source
  /** The stream the messages were pulled from (for the events order check). */
  readonly stream: string
  readonly ackWaitMs: number
  /** -1: unlimited. */
  readonly maxDeliver: number
  /** Longest a withheld message waits before it is looked at again. */
  readonly withholdMaxMs: number
  /**
   * Every message of the consumer's stream at or below this is done (JetStream's ack floor): the
   * floor of a record with no lease, and the least floor of one with a lease.
   */
  readonly baseFloor: () => number
  readonly leaseKey: (record: string) => string
  readonly settlementKey: (batch: string) => string
  readonly deadLetter: (candidate: Candidate, attempts: number) => Promise<void>
}

export interface Outcome {
  readonly granted: ReadonlyArray<Granted>
  readonly withheld: number
  readonly deadLettered: number
}

type Decision =
  | { readonly kind: "grant"; readonly lease: Lease.Lease; readonly expire?: { readonly batch: string; readonly index: number } }
  | { readonly kind: "withhold"; readonly delayMs: number }
  | { readonly kind: "skip"; readonly how: "+ACK" | "+TERM" }

/** Header a dead-lettered message keeps: the subject it was first published on. */
export const ORIGINAL_SUBJECT = "Tributary-Dead-Letter-Subject"

const FLOOR_RETRY_MS = 250
const ROUNDS = 4

export const candidates = (ctx: ClaimContext, messages: ReadonlyArray<Msg>): Array<Candidate> => {
  const out: Array<Candidate> = []
  for (const msg of messages) {
    const reply = msg.reply
    const delivery = reply === undefined ? undefined : AckSubject.parse(reply)
    if (reply === undefined || delivery === undefined) continue
    const subject = msg.headers?.get(ORIGINAL_SUBJECT) || msg.subject
    out.push({ msg, reply, delivery, subject, leaseKey: ctx.leaseKey(Lease.recordKey(msg, subject)), index: out.length })
  }
  return out
}

/**
 * The floor of a lease made for a record that has none (never leased, or its lease aged out):
 * on EVENTS, the ack floor. A redriven change has its floor from it too: from 0, its lease would
 * send every later change of the record looking for earlier ones from the start of EVENTS, and
 * withhold it behind changes acked long ago.
 */
const freshFloor = (ctx: ClaimContext): number => ctx.kind === "events" ? ctx.baseFloor() : 0

const leaseFor = (ctx: ClaimContext, c: Candidate, batch: string, now: number, attempts: number, floor: number): Lease.Lease => ({
  q: ctx.source === "main" ? "m" : "r",
  s: c.delivery.streamSeq,
  d: c.delivery.deliveries,
  a: attempts,
  u: now + ctx.ackWaitMs,
  b: batch,
  i: c.index,
  f: floor
})

/** The decision for one message whose record has a lease; `state` is how the lease's holder settled. */
export const decide = (
  ctx: ClaimContext,
  c: Candidate,
  batch: string,
  lease: Lease.Lease,
  state: Settled | undefined,
  now: number
): Decision => {
  const sameMessage = lease.q === (ctx.source === "main" ? "m" : "r") && lease.s === c.delivery.streamSeq
  const tracksFloor = ctx.kind === "events" && lease.q === "m"
  // Never below the ack floor: a lease made with the ack floor a replica had cached (which can
  // be older than an ack made meanwhile) catches up with it here.
  const floor = ctx.kind === "events" ? Math.max(lease.f, ctx.baseFloor()) : lease.f
  // A change at or below the record's floor was settled before (its +ACK or +TERM was lost,
  // say in a reconnect): handing it out again would deliver an acked change twice.
  const floorNow = tracksFloor && isDone(state) ? Math.max(floor, lease.s) : floor
  // (A redrive's lease carries the main stream's floor too.)
  if (ctx.kind === "events" && ctx.source === "main" && !sameMessage && c.delivery.streamSeq <= floorNow) {
    return { kind: "skip", how: "+ACK" }
  }
  if (isDone(state)) {
    if (sameMessage) return { kind: "skip", how: state === "acked" ? "+ACK" : "+TERM" }
    return { kind: "grant", lease: leaseFor(ctx, c, batch, now, 1, floorNow) }
  }
  if (state === "nacked" || state === "expired") {
    return { kind: "grant", lease: leaseFor(ctx, c, batch, now, sameMessage ? lease.a + 1 : 1, floor) }
  }
  const redelivered = sameMessage && c.delivery.deliveries > lease.d
  if (redelivered || lease.u <= now) {
    return {
      kind: "grant",
      lease: leaseFor(ctx, c, batch, now, sameMessage ? lease.a + 1 : 1, floor),
      expire: { batch: lease.b, index: lease.i }
    }
  }
  return { kind: "withhold", delayMs: Math.max(50, Math.min(lease.u - now, ctx.withholdMaxMs)) }
}

/**
 * The sequence of the record subject's first message after `floor`: `"none"` when there is
 * none, `"unknown"` when the answer is not one. Asked of the stream's leader (MSG.GET), not
 * with a direct get, which any replica may answer: a follower behind the leader would not
 * have a change just published, and the later change would go out ahead of it.
 */
const firstSeqAfter = async (ctx: ClaimContext, subject: string, floor: number): Promise<number | "none" | "unknown"> => {
  const reply = await ctx.wire.request(
    `$JS.API.STREAM.MSG.GET.${ctx.stream}`,
    JSON.stringify({ seq: floor + 1, next_by_subj: subject })
  )
  let answer: { message?: { seq?: number }; error?: { code?: number } }
  try {
    answer = reply.json()
  } catch {
    return "unknown" // a status without a body (no responders, say): JetStream did not answer
  }
  if (answer.error?.code === 404) return "none"
  const seq = answer.message?.seq
  return typeof seq === "number" ? seq : "unknown"
}

export const claim = async (ctx: ClaimContext, batch: string, messages: ReadonlyArray<Msg>): Promise<Outcome> => {
  const all = candidates(ctx, messages)
  const granted: Array<Granted> = []
  const withholds: Array<{ candidate: Candidate; delayMs: number }> = []
  const skips: Array<{ candidate: Candidate; how: string }> = []
  const dead: Array<{ candidate: Candidate; attempts: number }> = []

  // Two messages of one record in one pull (EVENTS, or a redelivery next to a newer version):
  // only the earliest is a candidate; the others wait for it.
  const byRecord = new Map<string, Candidate>()
  let pending: Array<Candidate> = []
  for (const c of all) {
    const first = byRecord.get(c.leaseKey)
    if (first === undefined) {
      byRecord.set(c.leaseKey, c)
      pending.push(c)
    } else withholds.push({ candidate: c, delayMs: FLOOR_RETRY_MS })
  }

  const checkOrder = ctx.kind === "events" && ctx.source === "main"
  if (!checkOrder) {
    const now = Date.now()
    const created = await Promise.all(pending.map((c) =>
      ctx.kv.create(c.leaseKey, Lease.encode(leaseFor(ctx, c, batch, now, 1, freshFloor(ctx))))))
    const next: Array<Candidate> = []
    pending.forEach((c, i) => created[i] === "conflict" ? next.push(c) : granted.push({ candidate: c, batch }))
    pending = next
  }

  for (let round = 0; round < ROUNDS && pending.length > 0; round++) {
    const now = Date.now()
    const entries = await Promise.all(pending.map((c) => ctx.kv.get(c.leaseKey)))
    const leases = entries.map((entry) => entry === undefined ? undefined : Lease.decode(entry.value))
    const batches = [...new Set(leases.flatMap((l) => l === undefined || l.z !== undefined ? [] : [l.b]))]
    const settlements = new Map(await Promise.all(batches.map(async (b) =>
      [b, Settlement.decode((await ctx.kv.get(ctx.settlementKey(b)))?.value)] as const)))

    const decisions = pending.map((c, i): Decision => {
      const lease = leases[i]
      if (lease === undefined) {
        return { kind: "grant", lease: leaseFor(ctx, c, batch, now, 1, freshFloor(ctx)) }
      }
      const state = lease.z === "d" ? "dead" : Settlement.stateOf(settlements.get(lease.b) ?? Settlement.empty(), lease.i)
      return decide(ctx, c, batch, lease, state, now)
    })

    if (checkOrder) {
      const firsts = await Promise.all(pending.map((c, i) => {
        const d = decisions[i]!
        return d.kind === "grant" ? firstSeqAfter(ctx, c.subject, d.lease.f) : Promise.resolve("none" as const)
      }))
      firsts.forEach((first, i) => {
        // Not knowing is no licence to hand a change out ahead of an earlier one.
        if (first === "unknown" || (first !== "none" && first < pending[i]!.delivery.streamSeq)) {
          decisions[i] = { kind: "withhold", delayMs: Math.min(FLOOR_RETRY_MS, ctx.withholdMaxMs) }
        }
      })
    }

    // Mark holders whose time ran out as expired, so their ack tokens are refused from now on.
    const expiries = new Map<string, Array<number>>()
    decisions.forEach((d) => {
      if (d.kind === "grant" && d.expire !== undefined) {
        expiries.set(d.expire.batch, [...(expiries.get(d.expire.batch) ?? []), d.expire.index])
      }
    })
    const expiredOk = new Map<string, Set<number>>()
    await Promise.all([...expiries].map(async ([b, indexes]) => {
      const ok = await Settlements.mutate(ctx.kv, ctx.settlementKey(b), (current) => {
        let next = current
        const ok = new Set<number>()
        for (const index of indexes) {
          const state = Settlement.stateOf(next, index)
          if (state === undefined) {
            next = Settlement.settle(next, index, "expired")
            ok.add(index)
          } else if (state === "expired" || state === "nacked") ok.add(index)
        }
        return { next: next === current ? undefined : next, result: ok }
      })
      expiredOk.set(b, ok)
    }))

    const next: Array<Candidate> = []
    const writes = decisions.map((d, i) => {
      const c = pending[i]!
      if (d.kind === "withhold") {
        withholds.push({ candidate: c, delayMs: d.delayMs })
        return Promise.resolve()
      }
      if (d.kind === "skip") {
        skips.push({ candidate: c, how: d.how })
        return Promise.resolve()
      }
      if (d.expire !== undefined && expiredOk.get(d.expire.batch)?.has(d.expire.index) !== true) {
        // The holder settled meanwhile (acked, most likely): decide again with that knowledge.
        next.push(c)
        return Promise.resolve()
      }
      const exhausted = ctx.maxDeliver !== -1 && d.lease.a > ctx.maxDeliver
      const lease: Lease.Lease = exhausted
        ? { ...d.lease, z: "d", f: ctx.kind === "events" && ctx.source === "main" ? Math.max(d.lease.f, d.lease.s) : d.lease.f }
        : d.lease
      const entry = entries[i]
      const write = async () => {
        if (exhausted) await ctx.deadLetter(c, d.lease.a - 1)
        const written = entry === undefined
          ? await ctx.kv.create(c.leaseKey, Lease.encode(lease))
          : await ctx.kv.update(c.leaseKey, Lease.encode(lease), entry.revision)
        if (written === "conflict") next.push(c)
        else if (exhausted) dead.push({ candidate: c, attempts: d.lease.a - 1 })
        else granted.push({ candidate: c, batch })
      }
      return write()
    })
    await Promise.all(writes)
    pending = next
  }
  for (const c of pending) withholds.push({ candidate: c, delayMs: FLOOR_RETRY_MS })

  for (const { candidate, how } of skips) ctx.wire.publish(candidate.reply, how)
  for (const { candidate } of dead) ctx.wire.publish(candidate.reply, ctx.source === "main" ? AckCommands.TERM : AckCommands.ACK)
  for (const w of withholds) ctx.wire.publish(w.candidate.reply, AckCommands.nakAfter(w.delayMs))
  if (withholds.length > 0 || skips.length > 0 || dead.length > 0) await ctx.wire.flush()

  granted.sort((x, y) => x.candidate.index - y.candidate.index)
  return { granted, withheld: withholds.length, deadLettered: dead.length }
}

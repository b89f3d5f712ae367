/**
 * Acking, nacking and extending delivered messages by their ack tokens, from any replica.
 *
 * A batch's settlement record is the point of truth: a token's slot is settled there with
 * compare-and-set BEFORE JetStream hears of it, so a token whose message was redelivered
 * since (its slot marked `expired` by the claim that took the record over) acks nothing.
 * Once settled, the JetStream acks go out as plain publishes followed by one flush.
 */
import type { Kv } from "../wire/Kv.js"
import type { Wire } from "../wire/Wire.js"
import * as AckCommands from "./AckCommands.js"
import type { AckToken } from "./AckToken.js"
import * as Lease from "./Lease.js"
import type { Settled } from "./Lifecycle.js"
import { next as nextState } from "./Lifecycle.js"
import * as Settlement from "./Settlement.js"
import * as Settlements from "./Settlements.js"

export interface SettleContext {
  readonly wire: Wire
  readonly kv: Kv
  readonly ackWaitMs: number
  readonly settlementKey: (batch: string) => string
}

/** A token that could not be used, and why (in words for the worker). */
export interface Refused {
  readonly token: AckToken
  readonly state: Settled
}

export type Action = { readonly kind: "ack" } | { readonly kind: "nack"; readonly delayMs: number }

const groupByBatch = (tokens: ReadonlyArray<AckToken>): Map<string, Array<AckToken>> => {
  const out = new Map<string, Array<AckToken>>()
  for (const token of tokens) {
    const list = out.get(token.batch)
    if (list === undefined) out.set(token.batch, [token])
    else list.push(token)
  }
  return out
}

/**
 * Of tokens already acked, those whose delivery still holds its record's lease: no later
 * delivery of the record has been claimed since, so `+ACK` on their reply subject can only be
 * about that delivery. The settlement is written before JetStream hears of it, and nats.js
 * drops a publish made while its connection is lost, so a recorded ack may never have reached
 * JetStream: a worker's retry sends it again (JetStream takes a second `+ACK` as a no-op). Not
 * for a nack: a `-NAK` sent again could pull back a redelivery a worker holds by then.
 */
const stillHeld = async (ctx: SettleContext, tokens: ReadonlyArray<AckToken>): Promise<Array<AckToken>> => {
  const leases = await Promise.all(tokens.map((token) => ctx.kv.get(token.leaseKey)))
  return tokens.filter((token, i) => {
    const entry = leases[i]
    if (entry === undefined) return false
    const lease = Lease.decode(entry.value)
    return lease.b === token.batch && lease.i === token.index
  })
}

/** Ack or nack; returns the tokens that were refused (already settled another way, or redelivered since). */
export const settle = async (
  ctx: SettleContext,
  tokens: ReadonlyArray<AckToken>,
  action: Action
): Promise<{ readonly settled: number; readonly refused: ReadonlyArray<Refused> }> => {
  const target: Settled = action.kind === "ack" ? "acked" : "nacked"
  const outcomes = await Promise.all([...groupByBatch(tokens)].map(([batch, group]) =>
    Settlements.mutate(ctx.kv, ctx.settlementKey(batch), (current) => {
      let next = current
      const apply: Array<AckToken> = []
      const again: Array<AckToken> = []
      const refused: Array<Refused> = []
      for (const token of group) {
        const state = Settlement.stateOf(next, token.index)
        if (state === target) {
          // The same settlement again: recorded already, but its +ACK may have been lost (below).
          if (target === "acked") again.push(token)
          continue
        }
        if (state !== undefined && nextState(state, action.kind) === undefined) {
          refused.push({ token, state })
          continue
        }
        next = Settlement.settle(next, token.index, target)
        apply.push(token)
      }
      return { next: next === current ? undefined : next, result: { apply, again, refused } }
    })))

  const command = action.kind === "ack" ? AckCommands.ACK : AckCommands.nakAfter(action.delayMs)
  let settled = 0
  for (const { apply } of outcomes) {
    for (const token of apply) ctx.wire.publish(token.reply, command)
    settled += apply.length
  }
  const again = outcomes.flatMap((o) => o.again)
  // Only awaited with something to look up: waiting here lets nats.js write the commands out
  // on their own, and the flush's PING after them costs a second socket write.
  if (again.length > 0) for (const token of await stillHeld(ctx, again)) ctx.wire.publish(token.reply, AckCommands.ACK)
  await ctx.wire.flush()
  return { settled, refused: outcomes.flatMap((o) => o.refused) }
}

/**
 * Extend the ack wait (`+WPI`) of still-delivered messages: the lease moves on by the
 * consumer's ack wait, so a newer version stays withheld for as long as the worker needs.
 */
export const progress = async (
  ctx: SettleContext,
  tokens: ReadonlyArray<AckToken>
): Promise<{ readonly refused: ReadonlyArray<Refused> }> => {
  const refused: Array<Refused> = []
  await Promise.all([...groupByBatch(tokens)].map(async ([batch, group]) => {
    const settlement = Settlement.decode((await ctx.kv.get(ctx.settlementKey(batch)))?.value)
    await Promise.all(group.map(async (token) => {
      const state = Settlement.stateOf(settlement, token.index)
      if (state !== undefined) {
        refused.push({ token, state })
        return
      }
      for (;;) {
        const entry = await ctx.kv.get(token.leaseKey)
        const lease = entry === undefined ? undefined : Lease.decode(entry.value)
        if (entry === undefined || lease === undefined || lease.b !== token.batch || lease.i !== token.index) {
          refused.push({ token, state: "expired" })
          return
        }
        const written = await ctx.kv.update(token.leaseKey, Lease.encode({ ...lease, u: Date.now() + ctx.ackWaitMs }), entry.revision)
        if (written !== "conflict") break
      }
      ctx.wire.publish(token.reply, AckCommands.IN_PROGRESS)
    }))
  }))
  await ctx.wire.flush()
  return { refused }
}

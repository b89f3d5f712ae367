/**
 * What happened to each message of one delivered batch, in the `inflight` bucket under
 * `<consumer>.s.<batch>`: settled states by index in the batch, and the withheld messages
 * waiting for an index to settle. One record per batch (not per message) keeps acking a
 * batch of 100 at one read and one compare-and-set write.
 */
import { decodeSettled, encodeSettled } from "./Lifecycle.js"
import type { Settled } from "./Lifecycle.js"

export interface Settlement {
  /** Index in the batch → settled state code. Absent: still delivered (or never settled). */
  readonly s: Record<string, string>
  /** Index in the batch → reply subjects of withheld messages to wake when it settles. */
  readonly w: Record<string, Array<string>>
}

export const empty = (): Settlement => ({ s: {}, w: {} })

const decoder = new TextDecoder()

export const decode = (bytes: Uint8Array | undefined): Settlement => {
  if (bytes === undefined || bytes.length === 0) return empty()
  const parsed = JSON.parse(decoder.decode(bytes)) as Partial<Settlement>
  return { s: parsed.s ?? {}, w: parsed.w ?? {} }
}

export const encode = (settlement: Settlement): string => JSON.stringify(settlement)

export const stateOf = (settlement: Settlement, index: number): Settled | undefined =>
  decodeSettled(settlement.s[index])

export const settle = (settlement: Settlement, index: number, state: Settled): Settlement => ({
  s: { ...settlement.s, [index]: encodeSettled(state) },
  w: settlement.w
})

/** Settle `index` and take its waiters (they are woken by the caller once the write succeeded). */
export const settleAndTakeWaiters = (settlement: Settlement, index: number, state: Settled) => {
  const { [index]: waiters, ...rest } = settlement.w
  return { settlement: { s: { ...settlement.s, [index]: encodeSettled(state) }, w: rest }, waiters: waiters ?? [] }
}

export const addWaiter = (settlement: Settlement, index: number, reply: string): Settlement => ({
  s: settlement.s,
  w: { ...settlement.w, [index]: [...(settlement.w[index] ?? []).filter((r) => r !== reply), reply].slice(-16) }
})

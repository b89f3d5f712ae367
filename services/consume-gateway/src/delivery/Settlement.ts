/**
 * What happened to each message of one delivered batch, in the `inflight` bucket under
 * `<consumer>.s.<batch>`: settled states by index in the batch. One record per batch (not per message) keeps acking a
 * batch of 100 at one read and one compare-and-set write.
 */
import { decodeSettled, encodeSettled } from "./Lifecycle.js"
import type { Settled } from "./Lifecycle.js"

export interface Settlement {
  /** Index in the batch → settled state code. Absent: still delivered (or never settled). */
  readonly s: Record<string, string>
}

export const empty = (): Settlement => ({ s: {} })

const decoder = new TextDecoder()

export const decode = (bytes: Uint8Array | undefined): Settlement => {
  if (bytes === undefined || bytes.length === 0) return empty()
  const parsed = JSON.parse(decoder.decode(bytes)) as Partial<Settlement>
  return { s: parsed.s ?? {} }
}

export const encode = (settlement: Settlement): string => JSON.stringify(settlement)

export const stateOf = (settlement: Settlement, index: number): Settled | undefined =>
  decodeSettled(settlement.s[index])

export const settle = (settlement: Settlement, index: number, state: Settled): Settlement => ({
  s: { ...settlement.s, [index]: encodeSettled(state) }
})

/**
 * The life of one message delivered through the gateway, as a transition table. The
 * gateway records the settled states per delivered batch (see `Settlement`); `available`
 * and `delivered` are what JetStream and the record's lease say.
 *
 *   available ──deliver──▶ delivered ──ack──────▶ acked
 *       ▲  │                   │  ├──nack──────▶ nacked ──(JetStream redelivers)──▶ available
 *       │  └─withhold─┐        │  └──redeliver─▶ expired ──(ack_wait passed)──────▶ available
 *       └─────────────┘        └──────────────────────────▶ dead (attempts > max_deliver)
 *   dead ──redrive──▶ available
 */
export type State = "available" | "delivered" | "acked" | "nacked" | "expired" | "dead"

export type Event = "deliver" | "withhold" | "ack" | "nack" | "redeliver" | "exhaust" | "redrive"

export const transitions: { readonly [S in State]: Partial<Record<Event, State>> } = {
  available: { deliver: "delivered", withhold: "available", exhaust: "dead" },
  delivered: { ack: "acked", nack: "nacked", redeliver: "expired", exhaust: "dead" },
  acked: {},
  nacked: { deliver: "delivered" },
  expired: { deliver: "delivered" },
  dead: { redrive: "available" }
}

/** The next state, or `undefined` when the event does not apply (an ack token used twice, too late). */
export const next = (state: State, event: Event): State | undefined => transitions[state][event]

/** Settled states as stored in a settlement record, one character each. */
export type Settled = "acked" | "nacked" | "expired" | "dead"

const codes: Record<Settled, string> = { acked: "a", nacked: "n", expired: "x", dead: "d" }
const states: Record<string, Settled> = { a: "acked", n: "nacked", x: "expired", d: "dead" }

export const encodeSettled = (state: Settled): string => codes[state]
export const decodeSettled = (code: string | undefined): Settled | undefined =>
  code === undefined ? undefined : states[code]

/** A settled delivery no longer holds its record: the next version, or its own redelivery, may go out. */
export const isDone = (state: Settled | undefined): boolean => state === "acked" || state === "dead"

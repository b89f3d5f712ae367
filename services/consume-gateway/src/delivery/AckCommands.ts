/**
 * What the gateway sends to a JetStream ack subject. The constant ones are bytes, encoded
 * once: one goes out per settled message, and nats.js encodes a string payload on every publish.
 */
const encoder = new TextEncoder()

export const ACK = encoder.encode("+ACK")
export const TERM = encoder.encode("+TERM")
export const IN_PROGRESS = encoder.encode("+WPI")
export const NAK = encoder.encode("-NAK")

/** Redeliver after `delayMs` (JetStream counts the delay in nanoseconds); at once for 0. */
export const nakAfter = (delayMs: number): Uint8Array | string =>
  delayMs > 0 ? `-NAK {"delay":${Math.round(delayMs) * 1_000_000}}` : NAK

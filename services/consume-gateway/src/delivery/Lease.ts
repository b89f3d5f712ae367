/**
 * A record's lease for one consumer, in the `inflight` bucket under `<consumer>.l.<record>`:
 * which message of the record was last handed to a worker, until when, and how often. A
 * newer version of the record (or, on EVENTS, a later change) is withheld while the lease is
 * held. The lease stays after the message settles (the batch's settlement says how it
 * settled), so the next claim reads both; it is rewritten, never deleted, and ages out with
 * the bucket's max age.
 */
import { createHash } from "node:crypto"
import type { Msg } from "@nats-io/transport-node"
import { Headers } from "@tributary/core"

export type Source = "main" | "redrive"

export interface Lease {
  /** The stream the message came from: the consumer's stream, or its dead-letter redrive. */
  readonly q: "m" | "r"
  /** Stream sequence of the message that holds (or last held) the record. */
  readonly s: number
  /** JetStream's delivery count when it was claimed. */
  readonly d: number
  /** Attempts counted by the gateway (withheld deliveries do not count). */
  readonly a: number
  /** Held until (epoch ms): the consumer's ack wait after delivery or the last progress. */
  readonly u: number
  /** Batch id and index of the delivery: where its settlement is recorded. */
  readonly b: string
  readonly i: number
  /** Set when the holder was dead-lettered at claim time (it has no settlement of its own). */
  readonly z?: "d"
  /**
   * EVENTS only: the highest stream sequence of this record already done (acked or dead); for
   * a record that had no lease, the consumer's ack floor when the lease was made.
   */
  readonly f: number
}

const decoder = new TextDecoder()

export const decode = (bytes: Uint8Array): Lease => JSON.parse(decoder.decode(bytes)) as Lease

export const encode = (lease: Lease): string => JSON.stringify(lease)

const SAFE_KEY = /^[A-Za-z0-9_-]{1,100}$/

/**
 * The record a message belongs to: the `Tributary-Record-Id` header (a UUID, KV-key safe), or
 * a hash of the subject when a publisher left it out.
 */
export const recordKey = (msg: Msg, subject: string): string => {
  const id = msg.headers?.get(Headers.RECORD_ID)
  if (id !== undefined && SAFE_KEY.test(id)) return id
  return createHash("sha1").update(subject).digest("hex")
}

/**
 * Dead letters: messages a consumer gave up on, kept with the reason, so an operator
 * can see them, fix the cause and replay them. One stream per namespace
 * (`DEAD_LETTERS`, or `<NS>_DEAD_LETTERS`); the subject says who gave up on what:
 *
 *   <root>.deadletters.<consumer>.<sync_id>.<collection>.<record>
 *
 * The body is the original message's; headers keep the original headers and add those
 * below. A dead letter must fit the server's `max_payload` like any message: when the whole
 * of it would not, the reason is trimmed, then the body cut (`BODY_TRUNCATED`), then the
 * original headers left out (`ORIGINAL_HEADERS_DROPPED`). What was cut is still in the
 * original stream, at `ORIGINAL_SEQUENCE`, for as long as that stream keeps it.
 */
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { nanos } from "@nats-io/transport-node"
import { DEFAULT } from "./Namespace.js"
import type { Namespace } from "./Namespace.js"
import type { StreamSpec } from "./Provisioning.js"

/** Why the consumer gave up: the error, in words. */
export const REASON = "Tributary-Dead-Reason"
/** The SQLSTATE (or other error code) behind the reason, when there is one. */
export const CODE = "Tributary-Dead-Code"
/** The consumer that gave up. */
export const CONSUMER = "Tributary-Dead-Consumer"
export const ORIGINAL_SUBJECT = "Tributary-Original-Subject"
export const ORIGINAL_STREAM = "Tributary-Original-Stream"
export const ORIGINAL_SEQUENCE = "Tributary-Original-Sequence"
/**
 * Set instead of the original headers when they could not be read (a header block that
 * does not parse): why, in words. The body is kept as it is either way.
 */
export const ORIGINAL_HEADERS_INVALID = "Tributary-Original-Headers-Invalid"
/** Delivery attempts made before giving up. */
export const DELIVERIES = "Tributary-Deliveries"
/** Set when the body is only the start of the original: how much was kept, and where the whole is. */
export const BODY_TRUNCATED = "Tributary-Body-Truncated"
/** The size of the original body in bytes, set with `BODY_TRUNCATED`. */
export const ORIGINAL_SIZE = "Tributary-Original-Size"
/** Set instead of the original headers when they did not fit either: their size, and where they are. */
export const ORIGINAL_HEADERS_DROPPED = "Tributary-Original-Headers-Dropped"

export const streamName = (ns: Namespace): string =>
  ns.root === DEFAULT ? "DEAD_LETTERS" : `${ns.root.toUpperCase()}_DEAD_LETTERS`

/** `<root>.records.s.c.r` given up by `sink` → `<root>.deadletters.sink.s.c.r`. */
export const subjectFor = (ns: Namespace, consumer: string, originalSubject: string): string => {
  const tail = originalSubject.split(".").slice(2).join(".")
  return `${ns.root}.deadletters.${consumer}.${tail}`
}

export const streamSpec = (ns: Namespace, replicas = 1): StreamSpec => ({
  name: streamName(ns),
  subjects: [`${ns.root}.deadletters.>`],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  max_msgs_per_subject: -1,
  max_age: nanos(30 * 24 * 3600 * 1000),
  max_bytes: 1024 ** 3,
  discard: DiscardPolicy.Old,
  duplicate_window: nanos(120_000),
  allow_direct: true,
  num_replicas: replicas
})

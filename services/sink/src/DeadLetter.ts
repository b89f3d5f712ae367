/** Moving a message the sink gave up on to the dead-letter stream, with why. */
import type { JsMsg } from "@nats-io/jetstream"
import { PubHeaders } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { DeadLetters, Errors, Nats } from "@tributary/core"
import { Effect } from "effect"
import * as DeadLetterFit from "./DeadLetterFit.js"

export interface Reason {
  readonly detail: string
  readonly code?: string
}

/** A header value: no line breaks, and short enough to leave room for the body. */
const oneLine = (text: string) => text.replaceAll(/[\r\n]+/g, " ").slice(0, 4_000)

/**
 * The original headers as they are, or why they could not be read: nats.js parses headers
 * when they are first read, and throws on a block that does not parse. Such a message must
 * still reach the dead letters, or it would come back forever.
 */
const originalHeaders = (message: JsMsg): ReadonlyArray<DeadLetterFit.Header> => {
  try {
    return [...message.headers ?? []].flatMap(([name, values]) => values.map((value): DeadLetterFit.Header => [name, value]))
  } catch (error) {
    return [[DeadLetters.ORIGINAL_HEADERS_INVALID, oneLine(error instanceof Error ? error.message : String(error))]]
  }
}

/** What a dead letter is made of before `DeadLetterFit` makes it fit, and the id it is published with. */
interface Described {
  readonly consumer: string
  readonly subject: string
  readonly stream: string
  readonly seq: number
  readonly deliveries: number
  readonly original: ReadonlyArray<DeadLetterFit.Header>
  readonly body: Uint8Array
  readonly reason: Reason
}

const partsOf = (letter: Described): { readonly parts: DeadLetterFit.Parts; readonly msgID: string } => {
  // A replica that dies between this publish and the term publishes it again: same id, one copy.
  const msgID = `${letter.consumer}:${letter.stream}:${letter.seq}`
  const ours: ReadonlyArray<DeadLetterFit.Header> = [
    ...(letter.reason.code === undefined ? [] : [[DeadLetters.CODE, letter.reason.code] as const]),
    [DeadLetters.CONSUMER, letter.consumer],
    [DeadLetters.ORIGINAL_SUBJECT, letter.subject],
    [DeadLetters.ORIGINAL_STREAM, letter.stream],
    [DeadLetters.ORIGINAL_SEQUENCE, String(letter.seq)],
    [DeadLetters.DELIVERIES, String(letter.deliveries)]
  ]
  const added: ReadonlyArray<DeadLetterFit.Header> = [[PubHeaders.MsgIdHdr, msgID]]
  // Ours replace an original header of the same name (a message that was a dead letter before).
  const replaced = new Set([DeadLetters.REASON, ...ours.map(([name]) => name), ...added.map(([name]) => name)])
  return {
    msgID,
    parts: {
      original: letter.original.filter(([name]) => !replaced.has(name)),
      reason: oneLine(letter.reason.detail),
      ours,
      added,
      body: letter.body,
      whereWhole: `message ${letter.seq} of ${letter.stream}, while that stream keeps it`
    }
  }
}

export const publish = (
  nats: Nats.NatsClient,
  consumer: string,
  message: JsMsg,
  reason: Reason
): Effect.Effect<void, Errors.NatsError> =>
  Nats.tryNats(`dead-letter ${message.subject}`, async () => {
    const { msgID, parts } = partsOf({
      consumer,
      subject: message.subject,
      stream: message.info.stream,
      seq: message.seq,
      deliveries: message.info.deliveryCount,
      original: originalHeaders(message),
      body: message.data,
      reason
    })
    const letter = DeadLetterFit.fit(parts, nats.nc.info?.max_payload ?? Number.POSITIVE_INFINITY)
    const h = natsHeaders()
    for (const [name, value] of letter.headers) h.append(name, value)
    await nats.js.publish(DeadLetters.subjectFor(nats.ns, consumer, message.subject), letter.body, { headers: h, msgID })
  })

/** The longest subject a record is given at start-up room for: the sync's stay well under it. */
const LONGEST_SUBJECT = 256

/**
 * The smallest `max_payload` with which every dead letter fits once cut as far as
 * `DeadLetterFit` cuts (the sink's own headers, `MIN_REASON_BYTES` of reason, no body),
 * for subjects up to `LONGEST_SUBJECT` bytes. Below it a record the sink gives up on could
 * never be moved aside and would come back forever.
 */
export const smallestMaxPayload = (consumer: string, stream: string): number => {
  const { parts } = partsOf({
    consumer,
    subject: "s".repeat(LONGEST_SUBJECT),
    stream,
    seq: Number.MAX_SAFE_INTEGER,
    deliveries: 1_000_000,
    original: [],
    body: new Uint8Array(1),
    reason: { detail: "r".repeat(4 * DeadLetterFit.MIN_REASON_BYTES), code: "XXXXX" }
  })
  const letter = DeadLetterFit.fit(parts, 0)
  return DeadLetterFit.headerBytes([...letter.headers, ...parts.added]) + letter.body.length
}

/** Fails at start-up when the server's `max_payload` leaves no room for a dead letter. */
export const requireRoom = (nats: Nats.NatsClient, consumer: string): Effect.Effect<void, Errors.MaxPayloadTooSmall> => {
  const maxPayload = nats.nc.info?.max_payload
  const needed = smallestMaxPayload(consumer, nats.ns.streams.records)
  return maxPayload === undefined || maxPayload >= needed
    ? Effect.void
    : Effect.fail(new Errors.MaxPayloadTooSmall({ what: "the sink, to move a record it gives up on to the dead letters", maxPayload, needed }))
}

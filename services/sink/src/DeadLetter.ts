/** Moving a message the sink gave up on to the dead-letter stream, with why. */
import type { JsMsg } from "@nats-io/jetstream"
import { PubHeaders } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { DeadLetters, Nats } from "@tributary/core"
import type { Errors } from "@tributary/core"
import type { Effect } from "effect"
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

export const publish = (
  nats: Nats.NatsClient,
  consumer: string,
  message: JsMsg,
  reason: Reason
): Effect.Effect<void, Errors.NatsError> =>
  Nats.tryNats(`dead-letter ${message.subject}`, async () => {
    // A replica that dies between this publish and the term publishes it again: same id, one copy.
    const msgID = `${consumer}:${message.info.stream}:${message.seq}`
    const ours: ReadonlyArray<DeadLetterFit.Header> = [
      ...(reason.code === undefined ? [] : [[DeadLetters.CODE, reason.code] as const]),
      [DeadLetters.CONSUMER, consumer],
      [DeadLetters.ORIGINAL_SUBJECT, message.subject],
      [DeadLetters.ORIGINAL_STREAM, message.info.stream],
      [DeadLetters.ORIGINAL_SEQUENCE, String(message.seq)],
      [DeadLetters.DELIVERIES, String(message.info.deliveryCount)]
    ]
    const added: ReadonlyArray<DeadLetterFit.Header> = [[PubHeaders.MsgIdHdr, msgID]]
    // Ours replace an original header of the same name (a message that was a dead letter before).
    const replaced = new Set([DeadLetters.REASON, ...ours.map(([name]) => name), ...added.map(([name]) => name)])
    const letter = DeadLetterFit.fit({
      original: originalHeaders(message).filter(([name]) => !replaced.has(name)),
      reason: oneLine(reason.detail),
      ours,
      added,
      body: message.data,
      whereWhole: `message ${message.seq} of ${message.info.stream}, while that stream keeps it`
    }, nats.nc.info?.max_payload ?? Number.POSITIVE_INFINITY)
    const h = natsHeaders()
    for (const [name, value] of letter.headers) h.append(name, value)
    await nats.js.publish(DeadLetters.subjectFor(nats.ns, consumer, message.subject), letter.body, { headers: h, msgID })
  })

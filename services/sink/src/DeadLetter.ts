/** Moving a message the sink gave up on to the dead-letter stream, with why. */
import type { JsMsg } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { DeadLetters, Nats } from "@tributary/core"
import type { Errors } from "@tributary/core"
import type { Effect } from "effect"

export interface Reason {
  readonly detail: string
  readonly code?: string
}

/** A header value: no line breaks, and short enough to leave room for the body. */
const oneLine = (text: string) => text.replaceAll(/[\r\n]+/g, " ").slice(0, 4_000)

export const publish = (
  nats: Nats.NatsClient,
  consumer: string,
  message: JsMsg,
  reason: Reason
): Effect.Effect<void, Errors.NatsError> =>
  Nats.tryNats(`dead-letter ${message.subject}`, async () => {
    const h = natsHeaders()
    // nats.js parses headers when they are first read, and throws on a block that does not
    // parse: such a message must still reach the dead letters, or it would come back forever.
    try {
      for (const [key, values] of message.headers ?? []) for (const value of values) h.append(key, value)
    } catch (error) {
      h.set(DeadLetters.ORIGINAL_HEADERS_INVALID, oneLine(error instanceof Error ? error.message : String(error)))
    }
    h.set(DeadLetters.REASON, oneLine(reason.detail))
    if (reason.code !== undefined) h.set(DeadLetters.CODE, reason.code)
    h.set(DeadLetters.CONSUMER, consumer)
    h.set(DeadLetters.ORIGINAL_SUBJECT, message.subject)
    h.set(DeadLetters.ORIGINAL_STREAM, message.info.stream)
    h.set(DeadLetters.ORIGINAL_SEQUENCE, String(message.seq))
    h.set(DeadLetters.DELIVERIES, String(message.info.deliveryCount))
    await nats.js.publish(DeadLetters.subjectFor(nats.ns, consumer, message.subject), message.data, {
      headers: h,
      // A replica that dies between this publish and the term publishes it again: same id, one copy.
      msgID: `${consumer}:${message.info.stream}:${message.seq}`
    })
  })

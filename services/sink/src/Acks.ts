/**
 * The acks of a committed batch, handed to the NATS connection as one command. `JsMsg.ack()`
 * publishes each on its own: per message a `PUB` line made and encoded, a buffer queued, and
 * every 32 KB the queue packed into a new buffer and written to the socket, which cost the sink
 * about a tenth of its CPU (it acks every record it writes). Here the batch's
 * `PUB <reply> 4\r\n+ACK\r\n` lines are one string, encoded once and queued as one buffer: one
 * socket write, on the microtask flush that would have sent the last `ack()`.
 *
 * What reaches NATS is what `ack()` sends: the same bytes, queued on the same connection where
 * `ack()` queues them (so, as with `ack()`, what is queued while the connection is down is
 * dropped when it dials again), and each message is marked as acked, so a later `ack()`, `nak()`
 * or `working()` on it sends nothing, as after `ack()`. This needs nats.js' own connection and
 * messages (`NatsConnectionImpl`, whose protocol handler queues commands, and JsMsg's reply
 * subject); on anything else, each message is acked with `ack()`.
 */
import type { JsMsg } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/nats-core"
import { NatsConnectionImpl } from "@nats-io/nats-core/internal"

export type AckAll = (messages: ReadonlyArray<JsMsg>) => void

const ACK = "+ACK"

/** Whether `make` acks a batch of this connection's messages as one command, rather than one `ack()` each. */
export const inOneCommand = (nc: NatsConnection): boolean =>
  nc instanceof NatsConnectionImpl && typeof nc.protocol?.sendCommand === "function"

export const make = (nc: NatsConnection): AckAll => {
  if (!(nc instanceof NatsConnectionImpl) || !inOneCommand(nc)) return (messages) => messages.forEach((message) => message.ack())
  return (messages) => {
    let lines = ""
    let count = 0
    for (const message of messages) {
      // JsMsg's reply subject (where its ack goes) and whether it was acked are nats.js' fields,
      // not in its interface: a message without them is acked as nats.js would.
      if (!("reply" in message) || typeof message.reply !== "string" || !("didAck" in message)) {
        message.ack()
        continue
      }
      // `ack()` sends nothing for a message acked already, or without a reply subject.
      if (message.didAck === true || message.reply === "") continue
      message.didAck = true
      lines += `PUB ${message.reply} ${ACK.length}\r\n${ACK}\r\n`
      count++
    }
    if (count === 0) return
    // Read per batch: the protocol handler is nats.js' field, which it could replace.
    const protocol = nc.protocol
    protocol.outMsgs += count
    protocol.outBytes += count * ACK.length
    protocol.sendCommand(Buffer.from(lines))
  }
}

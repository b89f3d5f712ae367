/**
 * The yardstick: the same records, published straight to JetStream with nats.js, as fast
 * as a plain client can (a window of publishes in flight, awaiting their acks).
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, PubHeaders } from "@nats-io/jetstream"
import { createInbox, headers as natsHeaders } from "@nats-io/transport-node"
import type { MsgHdrs, NatsConnection } from "@nats-io/transport-node"

export interface Message {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: MsgHdrs | undefined
}

/**
 * Every message of a stream on a filter subject: the last per subject (RECORDS) or all of
 * them (EVENTS).
 */
export const read = async (
  nc: NatsConnection,
  stream: string,
  filter: string,
  deliver: typeof DeliverPolicy.LastPerSubject | typeof DeliverPolicy.All = DeliverPolicy.LastPerSubject
): Promise<Array<Message>> => {
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  const info = await jsm.consumers.add(stream, {
    filter_subject: filter,
    deliver_policy: deliver,
    ack_policy: AckPolicy.None,
    inactive_threshold: 30_000_000_000
  })
  const out: Array<Message> = []
  try {
    let remaining = info.num_pending
    const consumer = js.consumers.getConsumerFromInfo(info)
    while (remaining > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(remaining, 10_000), expires: 5000 })
      for await (const m of batch) {
        remaining--
        out.push({ subject: m.subject, data: m.data, headers: m.headers })
      }
    }
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => undefined)
  }
  return out
}

/**
 * The same message under another sync's subjects, for a subject that has no message yet.
 * A `Nats-Expected-Last-Subject-Sequence` is kept (the server still checks it) but expects
 * 0, as the sync's first publish of a record does. A `Nats-Msg-Id` is made unique to the
 * copy: the original is still in the stream's duplicate window, and JetStream would drop
 * the copy as a duplicate without storing it (less work than storing it).
 */
export const renamed = (message: Message, from: string, to: string): Message => {
  const subject = message.subject.replace(`.${from}.`, `.${to}.`)
  if (message.headers === undefined) return { ...message, subject }
  const headers = natsHeaders()
  for (const [key, values] of message.headers) for (const value of values) headers.append(key, value)
  if (headers.has(PubHeaders.ExpectedLastSubjectSequenceHdr)) headers.set(PubHeaders.ExpectedLastSubjectSequenceHdr, "0")
  const id = headers.get(PubHeaders.MsgIdHdr)
  if (id !== "") headers.set(PubHeaders.MsgIdHdr, `${to}/${id}`)
  return { subject, data: message.data, headers }
}

/**
 * Publish every message, headers included (the same messages, so the server does the same
 * work per message), in the order given; returns messages per second. `js.publish` is
 * nats.js's JetStream client: the plain way.
 */
export const publish = async (nc: NatsConnection, messages: ReadonlyArray<Message>, window = 1024) => {
  const js = jetstream(nc)
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < messages.length) {
      const message = messages[next++]!
      await js.publish(message.subject, message.data, message.headers === undefined ? {} : { headers: message.headers })
    }
  }
  await Promise.all(Array.from({ length: window }, worker))
  return messages.length / ((performance.now() - started) / 1000)
}

/**
 * The same, with as little client work as nats.js allows: core publishes carrying a reply
 * subject under one inbox, every ack received by one subscription (what the sync's
 * `AckPublisher` does, without its timeouts). It tells how fast JetStream itself takes the
 * messages, with the client's cost per message as small as it gets.
 */
export const publishLean = async (nc: NatsConnection, messages: ReadonlyArray<Message>, window = 1024) => {
  const prefix = createInbox()
  let sent = 0
  let acked = 0
  let failure: Error | undefined
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const send = () => {
      while (sent < messages.length && sent - acked < window) {
        const message = messages[sent]!
        nc.publish(message.subject, message.data, { reply: `${prefix}.${sent}`, ...(message.headers === undefined ? {} : { headers: message.headers }) })
        sent++
      }
    }
    const subscription = nc.subscribe(`${prefix}.*`, {
      callback: (error, ack) => {
        if (error !== null || ack.headers?.hasError === true || ack.string().includes("\"error\"")) {
          failure ??= new Error(`JetStream refused a message: ${error?.message ?? ack.headers?.description ?? ack.string()}`)
        }
        acked++
        if (acked === messages.length || failure !== undefined) {
          subscription.unsubscribe()
          return failure === undefined ? resolve() : reject(failure)
        }
        send()
      }
    })
    send()
  })
  return messages.length / ((performance.now() - started) / 1000)
}

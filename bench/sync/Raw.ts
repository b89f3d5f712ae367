/**
 * The yardstick: the same records, published straight to RECORDS with nats.js, as fast
 * as a plain client can (a window of publishes in flight, awaiting their acks).
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import type { MsgHdrs, NatsConnection } from "@nats-io/transport-node"
import type { Namespace } from "@tributary/core"

export interface Message {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: MsgHdrs | undefined
}

/** Every message of a sync in RECORDS. */
export const read = async (nc: NatsConnection, ns: Namespace.Namespace, sync: string): Promise<Array<Message>> => {
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  const info = await jsm.consumers.add(ns.streams.records, {
    filter_subject: `${ns.root}.records.${sync}.>`,
    deliver_policy: DeliverPolicy.LastPerSubject,
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
    await jsm.consumers.delete(ns.streams.records, info.name).catch(() => undefined)
  }
  return out
}

/**
 * Publish every message, headers included (the same messages, so the server does the same
 * work per message), under another sync's subjects; returns messages per second.
 */
export const publish = async (nc: NatsConnection, messages: ReadonlyArray<Message>, from: string, to: string, window = 1024) => {
  const js = jetstream(nc)
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < messages.length) {
      const message = messages[next++]!
      await js.publish(message.subject.replace(`.${from}.`, `.${to}.`), message.data, message.headers === undefined ? {} : { headers: message.headers })
    }
  }
  await Promise.all(Array.from({ length: window }, worker))
  return messages.length / ((performance.now() - started) / 1000)
}

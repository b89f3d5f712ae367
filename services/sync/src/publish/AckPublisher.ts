/**
 * JetStream publishes with acks, without nats.js's per-request cost. `js.publish` is a
 * request: it allocates a timer and two `Error`s (with stack traces) per message, which
 * costs more CPU than the publish itself when a backfill publishes tens of thousands of
 * messages a second. Here every publish carries a reply subject under one inbox; a single
 * subscription receives the acks and settles them, and one timer expires the late ones.
 *
 * nats.js drops what is published while its connection is lost, so, as core's
 * `Nats.whenConnected` does for requests, a publish made meanwhile waits for the reconnect
 * (`Nats.reconnected`, at most the ack timeout) before it is sent, and the publishes awaiting an
 * ack when the connection goes fail at once: their acks are lost with it. Either way not the whole ack timeout after the
 * server is back.
 */
import { createInbox } from "@nats-io/transport-node"
import type { MsgHdrs } from "@nats-io/transport-node"
import { Nats } from "@tributary/core"
import { Effect } from "effect"

export interface PubAck {
  readonly stream: string
  readonly seq: number
  readonly duplicate: boolean
}

/** JetStream refused the message (e.g. 10071: the expected last subject sequence did not match). */
export class PublishRefused extends Error {
  constructor(readonly code: number, readonly errCode: number | undefined, description: string) {
    super(`JetStream refused the message: ${description} (${errCode ?? code})`)
  }
}

export class PublishTimeout extends Error {
  constructor(readonly subject: string) {
    super(`no ack from JetStream for ${subject}`)
  }
}

interface Pending {
  readonly resolve: (ack: PubAck) => void
  readonly reject: (error: Error) => void
  readonly subject: string
  readonly sentAt: number
}

export interface AckPublisher {
  readonly publish: (subject: string, data: string | Uint8Array, headers: MsgHdrs) => Promise<PubAck>
}

const decoder = new TextDecoder()

export const make = (client: Nats.NatsClient, timeoutMs = 10_000) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const { nc } = client
      const prefix = createInbox()
      const pending = new Map<string, Pending>()
      let next = 0
      const subscription = nc.subscribe(`${prefix}.*`, {
        callback: (error, message) => {
          if (error !== null) return
          const token = message.subject.slice(prefix.length + 1)
          const waiting = pending.get(token)
          if (waiting === undefined) return
          pending.delete(token)
          // A 503 status with no body: no stream listens on the subject.
          const status = message.headers?.code ?? 0
          if (status >= 300) {
            waiting.reject(new PublishRefused(status, undefined, message.headers?.description ?? "no responders"))
            return
          }
          try {
            const body = JSON.parse(decoder.decode(message.data)) as {
              stream?: string
              seq?: number
              duplicate?: boolean
              error?: { code: number; err_code?: number; description?: string }
            }
            if (body.error !== undefined) {
              waiting.reject(new PublishRefused(body.error.code, body.error.err_code, body.error.description ?? ""))
            } else {
              waiting.resolve({ stream: body.stream ?? "", seq: body.seq ?? 0, duplicate: body.duplicate === true })
            }
          } catch (cause) {
            waiting.reject(new Error(`unreadable JetStream ack: ${String(cause)}`))
          }
        }
      })
      const sweeper = setInterval(() => {
        const expired = Date.now() - timeoutMs
        for (const [token, waiting] of pending) {
          if (waiting.sentAt < expired) {
            pending.delete(token)
            waiting.reject(new PublishTimeout(waiting.subject))
          }
        }
      }, Math.min(1000, timeoutMs))
      const failPending = () => {
        for (const [token, waiting] of pending) {
          pending.delete(token)
          waiting.reject(new Nats.ConnectionLost(false))
        }
      }
      const stopListening = client.onLost(failPending)
      const send = (subject: string, data: string | Uint8Array, headers: MsgHdrs) =>
        new Promise<PubAck>((resolve, reject) => {
          const token = (next++).toString(36)
          pending.set(token, { resolve, reject, subject, sentAt: Date.now() })
          try {
            nc.publish(subject, data, { headers, reply: `${prefix}.${token}` })
          } catch (error) {
            pending.delete(token)
            reject(error instanceof Error ? error : new Error(String(error)))
          }
        })
      // A loss while awaiting the ack is `failPending`'s: only the wait for the reconnect is needed here.
      const publish = (subject: string, data: string | Uint8Array, headers: MsgHdrs): Promise<PubAck> =>
        client.unusable() === undefined
          ? send(subject, data, headers)
          : Nats.reconnected(client, timeoutMs).then(() => send(subject, data, headers))
      return { publish, subscription, sweeper, pending, stop: stopListening }
    }),
    ({ subscription, sweeper, pending, stop }) =>
      Effect.sync(() => {
        stop()
        clearInterval(sweeper)
        subscription.unsubscribe()
        for (const waiting of pending.values()) waiting.reject(new Error("the publisher closed"))
      })
  ).pipe(Effect.map(({ publish }): AckPublisher => ({ publish })))

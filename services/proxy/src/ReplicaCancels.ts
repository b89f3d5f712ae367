/**
 * CancelRequests across replicas. Behind a load balancer a client's CancelRequest opens a
 * connection of its own, which lands on any replica, most likely not the one holding the
 * session. A replica (a worker of it) that did not hand out the key publishes it on
 * `Subjects.proxyCancels`; every worker of every replica listens there and acts on the keys
 * it holds, once, as on a CancelRequest of its own. The others ignore it: keys are random,
 * and the secret must match too.
 *
 * Like a CancelRequest to Postgres it is best-effort: while the NATS connection is lost a
 * cancel is passed on to this replica's other workers only (`Workers.shareCancels`).
 */
import { Subjects } from "@tributary/core"
import type { Nats } from "@tributary/core"

const KEY_BYTES = 8

const encode = (processId: number, secret: number): Uint8Array => {
  const key = Buffer.alloc(KEY_BYTES)
  key.writeInt32BE(processId, 0)
  key.writeInt32BE(secret, 4)
  return key
}

export interface ReplicaCancels {
  /** Pass a cancel this worker does not hold to every worker of every replica. */
  readonly forward: (processId: number, secret: number) => void
  readonly stop: () => void
}

/** Listen for other replicas' cancels, acting on them with `cancel` (this worker's keys only, never forwarding). */
export const share = (nats: Nats.NatsClient, cancel: (processId: number, secret: number) => Promise<boolean>): ReplicaCancels => {
  const subject = Subjects.proxyCancels(nats.ns)
  const subscription = nats.nc.subscribe(subject, {
    callback: (error, message) => {
      if (error !== null || message.data.length !== KEY_BYTES) return
      const key = Buffer.from(message.data.buffer, message.data.byteOffset, KEY_BYTES)
      void cancel(key.readInt32BE(0), key.readInt32BE(4)).catch(() => undefined)
    }
  })
  return {
    forward: (processId, secret) => nats.nc.publish(subject, encode(processId, secret)),
    stop: () => subscription.unsubscribe()
  }
}

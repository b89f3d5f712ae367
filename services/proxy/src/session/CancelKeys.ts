/**
 * BackendKeyData the proxy hands out, and what each key means upstream. A CancelRequest
 * arrives on a new connection with the proxy's key; the proxy forwards it to the upstream
 * backend with the upstream key, unless the session's write the proxy runs itself takes
 * it (WriteCancel): upstream runs nothing for the session then. Keys live in this process: a
 * cancel for a key it does not know is passed on to the other workers and replicas
 * (`ReplicaCancels.ts` over NATS, `Workers.ts` while NATS is lost).
 */
import { randomInt } from "node:crypto"
import { cancelBackend } from "../upstream/CancelUpstream.js"
import type { UpstreamTarget } from "../upstream/UpstreamTarget.js"
import type { WriteCancel } from "./WriteCancel.js"

interface Entry {
  readonly secret: number
  readonly upstreamProcessId: number
  readonly upstreamSecret: number
  readonly target: UpstreamTarget
  readonly write: WriteCancel
}

export class CancelKeys {
  private readonly entries = new Map<number, Entry>()

  /**
   * The key of a new session: the upstream backend's process id, which `pg_backend_pid()` and
   * notifications name too (clients tell their own NOTIFYs by it), unique on the upstream server
   * and so across every worker and replica in front of it; a random one should it be held here
   * still. The secret is the proxy's own: the upstream one never leaves the proxy.
   */
  register(target: UpstreamTarget, upstreamProcessId: number, upstreamSecret: number, write: WriteCancel) {
    let processId = upstreamProcessId
    while (this.entries.has(processId)) processId = randomInt(1, 2 ** 31 - 1)
    const secret = randomInt(-(2 ** 31), 2 ** 31 - 1)
    this.entries.set(processId, { secret, upstreamProcessId, upstreamSecret, target, write })
    return { processId, secret, release: () => this.entries.delete(processId) }
  }

  /**
   * Cancel the session's write, or forward the cancel upstream. False when the key is not
   * one of ours; a wrong secret is ignored (true: the key was ours), as Postgres does.
   */
  cancel(processId: number, secret: number): Promise<boolean> {
    const entry = this.entries.get(processId)
    if (entry === undefined) return Promise.resolve(false)
    if (entry.secret !== secret) return Promise.resolve(true)
    if (entry.write.cancel()) return Promise.resolve(true)
    return cancelBackend(entry.target.host, entry.target.port, entry.upstreamProcessId, entry.upstreamSecret).then(() => true)
  }
}

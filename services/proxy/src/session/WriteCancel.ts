/**
 * Where a CancelRequest for a session goes while the proxy runs one of its writes. Upstream
 * runs nothing for the session then (the write's queries run on the proxy's own
 * connections, its request at the API), so cancelling the upstream backend would do
 * nothing, or, arriving late, cancel whatever the session runs next; the cancel goes to
 * the write instead, as the signal it runs with (`Writes.execute`). The write path decides
 * what a cancel still changes: until the API has answered, the write ends with 57014 as
 * a canceled statement does; after that the change is the API's and is applied, as a
 * cancel that arrives while a statement completes changes nothing in Postgres.
 *
 * A cancel while no write runs is not kept for the next one: Postgres ignores a cancel
 * that finds nothing running.
 */
export class WriteCancel {
  private running: AbortController | undefined

  /** Runs a write; a CancelRequest meanwhile aborts the signal it is given. */
  async during<A>(write: (canceled: AbortSignal) => Promise<A>): Promise<A> {
    const controller = new AbortController()
    this.running = controller
    try {
      return await write(controller.signal)
    } finally {
      if (this.running === controller) this.running = undefined
    }
  }

  /** A CancelRequest with the session's key: true when a running write took it. */
  cancel(): boolean {
    if (this.running === undefined) return false
    this.running.abort()
    return true
  }
}

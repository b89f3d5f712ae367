/**
 * The client role's connections that evaluate a write's SQL (VALUES, SET, WHERE,
 * FROM/USING, RETURNING). One pool serves every session of the process, whatever its
 * sync, so each use must look to the user like a session of its own:
 *
 * - **in**: the client's settings that change which names the user's SQL finds and how
 *   values are read and shown (`WRITE_SETTINGS`, which the relay asks the client's
 *   session for) are set on the connection first, where they differ from what it has, so
 *   a function in SET is looked up in the client's search_path, a timestamp in VALUES is
 *   read in the client's time zone and RETURNING shows its date style. `set_config` takes
 *   each value as a parameter, exactly as `SHOW` gave it (a search_path's quoted schema
 *   names included), so nothing is quoted by hand. The
 *   connections pipeline (node-postgres' pipeline mode, each query with its own Sync), so
 *   the settings go on the wire with the queries that need them: no round trip of their
 *   own, and queries issued together (rows to write, RETURNING's shape) share one;
 * - **out**: `DISCARD ALL` returns the connection to its login state (settings made
 *   session-wide by a `set_config(…, false)` in an expression, session advisory locks,
 *   prepared statements, temporary tables, LISTEN) before any other write gets it. A
 *   connection that cannot be cleaned is closed instead. The clean-up runs after the
 *   query has answered, off the write's path: the connection is back in the pool only
 *   once it is done.
 */
import pg from "pg"
import { cancelBackend } from "../upstream/CancelUpstream.js"
import { WRITE_SETTINGS } from "../session/OwnRequests.js"
import type { Queryable } from "./Results.js"

/** A pooled connection that remembers the settings its server last reported. */
export class ReportingClient extends pg.Client {
  readonly reported = new Map<string, string>()

  constructor(config?: string | pg.ClientConfig) {
    super(config)
    this.connection.on("parameterStatus", (message: { parameterName: string; parameterValue: string }) => {
      this.reported.set(message.parameterName, message.parameterValue)
    })
  }
}

/** The pool, `max` connections logged in as the client role. */
export const pool = (connectionString: string, max: number): pg.Pool =>
  new pg.Pool({ connectionString, max, application_name: "tributary-proxy-writes", pipeline: true, Client: ReportingClient })

export interface ReaderSessions {
  /**
   * Runs `work` on a connection of its own, with the client's settings; cleans it once
   * every query `work` issued has answered. Queries `work` issues at once are pipelined.
   */
  readonly use: <A>(
    sessionParameters: ReadonlyMap<string, string>,
    work: (client: Queryable) => Promise<A>,
    canceled?: AbortSignal
  ) => Promise<A>
}

export const make = (pool: pg.Pool): ReaderSessions => ({
  use: async (sessionParameters, work, canceled) => {
    const client = await pool.connect()
    // The client's cancel reaches the query running for it, as it would upstream: a slow
    // WHERE ends with Postgres' own 57014 instead of running to its end. Armed only while
    // `work` runs; one that lands on the clean-up closes the connection (clean).
    const cancel = () => void cancelBackend(client.host, client.port, backendKey(client).processID, backendKey(client).secretKey)
    canceled?.addEventListener("abort", cancel, { once: true })
    try {
      if (canceled?.aborted === true) cancel()
      // Queued first, so Postgres runs it first; both awaited, so neither failure goes unseen.
      const [, result] = await Promise.all([follow(client, sessionParameters), work(client)])
      return result
    } finally {
      canceled?.removeEventListener("abort", cancel)
      clean(client)
    }
  }
})

/** node-postgres keeps the BackendKeyData it got, untyped. */
const backendKey = (client: pg.PoolClient) => client as unknown as { readonly processID: number; readonly secretKey: number }

/** Only when the client's settings differ from the connection's. */
const follow = async (client: pg.PoolClient, sessionParameters: ReadonlyMap<string, string>): Promise<void> => {
  const reported = client instanceof ReportingClient ? client.reported : undefined
  const changes: Array<string> = []
  for (const name of WRITE_SETTINGS) {
    const wanted = sessionParameters.get(name)
    if (wanted !== undefined && reported?.get(name) !== wanted) changes.push(name, wanted)
  }
  if (changes.length === 0) return
  const calls = Array.from({ length: changes.length / 2 }, (_, i) => `pg_catalog.set_config($${2 * i + 1}, $${2 * i + 2}, false)`)
  await client.query(`select ${calls.join(", ")}`, changes)
}

const clean = (client: pg.PoolClient): void => {
  client.query("discard all").then(
    () => client.release(),
    (error: unknown) => client.release(error instanceof Error ? error : new Error(String(error)))
  )
}

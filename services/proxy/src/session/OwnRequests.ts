/**
 * Requests the proxy itself sends on the client's upstream session, between the client's
 * own: the relay runs them only once upstream has answered everything before them, and
 * their answers never reach the client.
 *
 * - **Fail the transaction.** A write the proxy fails must fail the transaction it ran
 *   in, as any ERROR does in Postgres: a transaction block is left aborted, and the
 *   implicit transaction of an extended-protocol batch outside a block (its statements
 *   before one Sync) is rolled back, with everything until Sync skipped. Rather than
 *   imitate that state (25P02 for every statement, ROLLBACK for COMMIT, savepoints that
 *   recover it, the batch's earlier statements undone), the proxy makes the upstream
 *   session fail with a statement that raises, so Postgres owns the state. The statement
 *   is a cast that cannot succeed: it needs no privilege and no language, changes
 *   nothing, and its message in the server log says why it ran.
 *   In a simple query it is a Query (its ReadyForQuery is kept from the client, which
 *   gets the one that ends its own query). Amid an extended-protocol batch it is a Parse
 *   of a named statement, which fails as it is analysed: an error in the batch like any
 *   other, so upstream rolls back the implicit transaction (or aborts the block) and
 *   skips until the client's Sync, whose ReadyForQuery reports the outcome. A named
 *   statement, because Parse of the unnamed one would drop the client's.
 * - **Stand in for a multi-statement query's implicit transaction** (ImplicitTransaction):
 *   BEGIN, COMMIT and ROLLBACK as Queries of their own. COMMIT can fail (a deferred
 *   constraint): that error is the query's, relayed as Postgres would report it.
 * - **Read settings** as the session has them at that point: Postgres does not report
 *   some (`search_path` in 15, `extra_float_digits`, `bytea_output`) and reports the
 *   others only at the next ReadyForQuery. `SHOW`, the one statement that reads a setting
 *   without taking a snapshot, so it never fixes a REPEATABLE READ transaction's
 *   snapshot early. In a simple query it is a Query; amid an extended-protocol batch it
 *   is a named statement and portal, closed again, and no Sync, so the client's implicit
 *   transaction (the batch before its Sync) is neither committed nor ended. `SHOW`
 *   cannot fail, but a cancel can land on it: that error is the client's statement's,
 *   relayed in its place, and the statement goes no further.
 * - **Arm the idle timeouts again** after a simple query the proxy answered itself, when
 *   the last thing upstream read was the proxy's Flush (see `rearmsIdleTimeouts`): a Sync,
 *   answered with ReadyForQuery only. Outside an extended-protocol batch it runs nothing,
 *   commits nothing and ends no block; Postgres arms the timeouts as it sends that
 *   ReadyForQuery, so they count from the end of the client's query as from Postgres' own.
 */
import * as Frontend from "../wire/Frontend.js"
import { B, C, DATA_ROW, E, P, Q, S } from "../wire/MessageCodes.js"

export interface OwnRequest {
  readonly bytes: Buffer
  /** The request codes whose answers the relay must wait for (one per message that gets one). */
  readonly requests: ReadonlyArray<number>
  /** Its error is the point: kept from the client like the rest of its answer. */
  readonly fails?: boolean
  /**
   * A Query sent with no Flush after it. Postgres arms `idle_in_transaction_session_timeout`
   * and `idle_session_timeout` when it sends ReadyForQuery, and turns them off at the next
   * message it reads, a Flush included, until its next ReadyForQuery. The questions a write
   * asks before its API call are followed by a Flush, so a slow API cannot get the session
   * killed as idle while the write, a statement running to Postgres, waits; the requests
   * that end the proxy's work (the stand-in's COMMIT or ROLLBACK, failing the block) are
   * not, so the timeouts count again from their ReadyForQuery, as from Postgres' own. When
   * the question was the last request of the query (a write alone in it, or the last
   * statement after a BEGIN in it), `rearmIdleTimeouts` follows the proxy's answer.
   */
  readonly rearmsIdleTimeouts?: boolean
}

export interface OwnAnswer {
  readonly type: number
  readonly body: Buffer
}

const ABORT_SQL = "select 'tributary-proxy: a write to a synced table failed in this transaction, so the transaction is aborted'::pg_catalog.int4"

/** Never a name a client would pick; the Parse fails, so the statement never exists. */
const ABORT_NAME = "tributary_proxy_abort"

/** Fail the transaction block a simple query runs in. */
export const abortTransactionBlock: OwnRequest = { bytes: Frontend.encodeQuery(ABORT_SQL), requests: [Q], fails: true, rearmsIdleTimeouts: true }

/** Fail the transaction an extended-protocol batch runs in: its block, or its implicit transaction. */
export const abortBatch: OwnRequest = { bytes: Frontend.encodeParse(ABORT_NAME, ABORT_SQL), requests: [P], fails: true }

/** A ReadyForQuery from upstream, and nothing else: the idle timeouts armed again after a simple query the proxy answered. */
export const rearmIdleTimeouts: OwnRequest = { bytes: Frontend.sync, requests: [S], rearmsIdleTimeouts: true }

/** The relay's block upstream in place of a multi-statement query's implicit transaction. */
export const standIn = {
  open: { bytes: Frontend.encodeQuery("begin"), requests: [Q], rearmsIdleTimeouts: true },
  commit: { bytes: Frontend.encodeQuery("commit"), requests: [Q], rearmsIdleTimeouts: true },
  rollback: { bytes: Frontend.encodeQuery("rollback"), requests: [Q], rearmsIdleTimeouts: true }
} as const satisfies Record<string, OwnRequest>

/**
 * The client's settings that change what a write reads or shows, asked before every
 * write and set on its reader connection (ReaderSessions). `search_path`, so the names in
 * the write's expressions (a table in INSERT … SELECT or a WHERE's subquery, a function)
 * are the ones the statement would find in the client's session. Three Postgres 15 does
 * not report at all; the reported ones are asked too, because a change in an extended-protocol batch
 * is reported only at its Sync, after a write later in the same batch. Names as
 * ParameterStatus spells them. Not `client_encoding` (the reader connections speak UTF-8
 * to the proxy, which passes the bytes on), nor `standard_conforming_strings` (the proxy
 * splits the user's SQL with the standard's string rules), nor `application_name` (the
 * reader connections say they are the proxy's).
 */
export const WRITE_SETTINGS = ["search_path", "TimeZone", "DateStyle", "IntervalStyle", "extra_float_digits", "bytea_output"] as const

/**
 * What the relay asks before every write, in the same `SHOW`s: the settings set on its
 * reader connection; `statement_timeout`, which bounds the write's wait for the API
 * (writes/StatementTimeout) and is not set on the reader (its own queries are the proxy's);
 * and `transaction_read_only`, the transaction's own (`BEGIN READ ONLY`, the session's
 * default, a hot standby), which refuses the write (writes/ReadOnly). Postgres reports
 * neither.
 */
export const ASKED_BEFORE_A_WRITE = [...WRITE_SETTINGS, "statement_timeout", "transaction_read_only"] as const

/** Never a name a client would pick: the statement and portal exist only while the proxy reads. */
const NAME = "tributary_proxy_show"

/** `SHOW` of each name, in order: one DataRow each. Names are the proxy's own, never the client's text. */
export const showSettings = (names: ReadonlyArray<string>, simple: boolean): OwnRequest => {
  if (simple) return { bytes: Frontend.encodeQuery(names.map((name) => `show ${name}`).join("; ")), requests: [Q] }
  const bytes = names.flatMap((name) => [
    Frontend.encodeParse(NAME, `show ${name}`),
    Frontend.encodeBind(NAME, NAME),
    Frontend.encodeExecute(NAME),
    Frontend.encodeClose("P", NAME),
    Frontend.encodeClose("S", NAME)
  ])
  return { bytes: Buffer.concat(bytes), requests: names.flatMap(() => [P, B, E, C, C]) }
}

/** The settings from the answers to `showSettings(names, …)`; a name missing from them is left out. */
export const settingsOf = (names: ReadonlyArray<string>, answers: ReadonlyArray<OwnAnswer>): Map<string, string> => {
  const values = answers.filter((a) => a.type === DATA_ROW).map((a) => {
    const length = a.body.readInt32BE(2)
    return length < 0 ? "" : a.body.toString("utf8", 6, 6 + length)
  })
  const settings = new Map<string, string>()
  names.forEach((name, i) => {
    const value = values[i]
    if (value !== undefined) settings.set(name, value)
  })
  return settings
}

/**
 * What the relay asks of the write path. The relay owns the protocol (ordering, error
 * recovery, formats on the wire); the write path decides which SQL it must handle and
 * runs it. `W` is the write path's own prepared form of a statement.
 */
import type { Field, Report } from "../wire/Backend.js"

export type Verdict<W> =
  | { readonly kind: "pass" }
  /** A write to a synced table: executed by the proxy, never by the client's session. */
  | { readonly kind: "write"; readonly write: W }
  /** Refused before anything runs (an upsert, a column the API cannot set, …). */
  | { readonly kind: "refuse"; readonly report: Report }
  /** A simple query of several statements, some of them writes: run one by one. */
  | { readonly kind: "split"; readonly statements: ReadonlyArray<SplitStatement<W>> }
  | Unresolved<W>

export interface SplitStatement<W> {
  readonly sql: string
  readonly verdict: Verdict<W>
  /** A statement that begins or ends a transaction block, or works only in one. */
  readonly control?: TransactionControl
}

/**
 * What a transaction statement does to a multi-statement query's implicit transaction,
 * in Postgres: BEGIN makes it a transaction block, COMMIT and ROLLBACK end it (with a
 * WARNING that no transaction is in progress), and the statements that work only in a
 * block (SAVEPOINT, RELEASE, ROLLBACK TO, COMMIT or ROLLBACK AND CHAIN) fail in it.
 */
export type TransactionControl = "begin" | "commit" | "rollback" | "blockOnly"

/**
 * A statement that writes to unqualified names of synced tables: which table each is
 * depends on the client's session (its search_path), so it is decided when it runs.
 */
export interface Unresolved<W> {
  readonly kind: "resolve"
  /** The unqualified names written to, as the parser folded them. */
  readonly names: ReadonlyArray<string>
  /** The verdict once each name's schema is known; a name absent from `schemas` is no synced table's. */
  readonly resolved: (schemas: ReadonlyMap<string, string>) => Verdict<W>
}

export type Resolution =
  | { readonly ok: true; readonly schemas: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly report: Report }

export interface ExecuteRequest<W> {
  readonly write: W
  readonly parameters: ReadonlyArray<Buffer | null>
  readonly parameterFormats: ReadonlyArray<number>
  /** Types the client declared in Parse (0 = unspecified). */
  readonly parameterTypes: ReadonlyArray<number>
  /** Result formats as sent in Bind (empty: all text). */
  readonly resultFormats: ReadonlyArray<number>
  /** The client's session is inside a transaction block: the write escapes it. */
  readonly inTransaction: boolean
  /**
   * The client's session parameters at the time of the write: as upstream last reported
   * them (ParameterStatus: `TimeZone`, `DateStyle`, `IntervalStyle`, …), and those it does
   * not report, asked of the session (`extra_float_digits`, `bytea_output`,
   * `statement_timeout`).
   */
  readonly sessionParameters: ReadonlyMap<string, string>
}

export interface WriteResult {
  /** The RETURNING row shape; absent without RETURNING. */
  readonly fields?: ReadonlyArray<Field>
  readonly rows: ReadonlyArray<ReadonlyArray<Buffer | null>>
  readonly tag: string
  readonly notices: ReadonlyArray<Report>
  /** What the API accepted; absent when nothing was sent (no rows touched). */
  readonly accepted?: Accepted
}

/** A write the API accepted: what an error after that point must say (UnexpectedFailure). */
export interface Accepted {
  /** The table written; its schema names the API (`stripe`). */
  readonly schema: string
  readonly table: string
  /** The API's ids of the objects written. */
  readonly ids: ReadonlyArray<string>
}

export type WriteOutcome =
  | { readonly ok: true; readonly result: WriteResult }
  | { readonly ok: false; readonly report: Report; readonly notices?: ReadonlyArray<Report> }

export interface Writes<W> {
  /** Synchronous and cached by SQL text: it runs for every query that might be a write. */
  readonly verdict: (sql: string) => Verdict<W>
  /**
   * The hot path's test on the raw SQL bytes of a message (no string made): true only when
   * `verdict` of that text is certainly a pass; false means "ask `verdict`".
   */
  readonly certainlyPasses: (bytes: Uint8Array, start: number, end: number) => boolean
  /**
   * `canceled` aborts when the client cancels the statement (a CancelRequest with the
   * session's key) while it runs: until the API has answered, the write ends with 57014.
   */
  readonly execute: (request: ExecuteRequest<W>, canceled: AbortSignal) => Promise<WriteOutcome>
  /** The schema each name resolves to through `searchPath` (the client's session's), as Postgres would resolve it. */
  readonly resolveNames: (searchPath: string, names: ReadonlyArray<string>) => Promise<Resolution>
}

/** Every statement passes through: the proxy as a plain relay. */
export const passThrough: Writes<never> = {
  verdict: () => ({ kind: "pass" }),
  certainlyPasses: () => true,
  execute: () => Promise.reject(new Error("no writes are intercepted")),
  resolveNames: () => Promise.resolve({ ok: true, schemas: new Map() })
}

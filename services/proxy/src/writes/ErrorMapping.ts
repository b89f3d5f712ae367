/**
 * What the API said, as a Postgres error the client can act on. Always severity ERROR:
 * the connection stays usable. Codes follow what clients and frameworks already do with
 * them: class 23 is not retried; HV00N/HV000 are the foreign-data-wrapper codes for an
 * unreachable or failing remote (never 08xxx, which makes pools drop the connection);
 * 58000 for "applied upstream but not here" (never class 40, which frameworks retry).
 */
import type { UpstreamErrors } from "@tributary/core"
import type { Report } from "../wire/Backend.js"
import type { SyncedTable } from "../sql/SyncedTables.js"

/** Stripe's error codes where a more precise integrity class says it better than 23514. */
const CLASS_23: Readonly<Record<string, string>> = {
  parameter_missing: "23502",
  resource_already_exists: "23505",
  resource_missing: "23503",
  parameter_unknown: "22023",
  parameter_invalid_empty: "23502"
}

/** `recurring[interval]` → the column whose path it is, else the parameter as the API named it. */
const columnOf = (table: SyncedTable, param: string): string => {
  const path = param.replace(/\]/g, "").split("[")
  for (const column of table.writable.values()) {
    if (column.path.join(".") === path.join(".")) return column.name
  }
  return param
}

export const fromUpstream = (error: UpstreamErrors.UpstreamError, table: SyncedTable): Report => {
  const source = table.schema
  const where = { schema: table.schema, table: table.table }
  switch (error._tag) {
    case "UpstreamRejected":
      return {
        severity: "ERROR",
        code: (error.code === undefined ? undefined : CLASS_23[error.code]) ?? "23514",
        message: `${source} validation error`,
        detail: error.detail,
        ...where,
        ...(error.param === undefined ? {} : { column: columnOf(table, error.param) })
      }
    case "UpstreamUnavailable":
      if (!error.sent) {
        return {
          severity: "ERROR",
          code: "HV00N",
          message: `cannot reach ${source}: ${error.detail}`,
          hint: "Nothing was written. Retry when the API is reachable.",
          ...where
        }
      }
      if (error.status !== undefined) {
        return {
          severity: "ERROR",
          code: "HV000",
          message: `${source} failed with HTTP ${error.status}`,
          detail: error.detail,
          hint: "Nothing was written here. The API may or may not have applied the change.",
          ...where
        }
      }
      return sentWithoutAnswer(source, error.detail, table)
    case "UpstreamRateLimited":
      return {
        severity: "ERROR",
        code: "HV000",
        message: `${source} rate limit: ${error.detail}`,
        hint: error.retryAfterMs === undefined ? "Retry later." : `Retry after ${Math.ceil(error.retryAfterMs / 1000)} s.`,
        ...where
      }
    case "UpstreamAuthFailed":
      return {
        severity: "ERROR",
        code: "HV000",
        message: `${source} refused the sync's API key: ${error.detail}`,
        hint: "Give the sync a valid API key.",
        ...where
      }
  }
}

/** The request left, and no answer came back: it may have been applied. */
export const sentWithoutAnswer = (source: string, detail: string, table: SyncedTable): Report => ({
  severity: "ERROR",
  code: "58000",
  message: `no answer from ${source}; the write may have been applied there`,
  detail,
  hint: "Do not retry blindly: if the API applied the change, the row arrives with the next sync. Check before writing again.",
  schema: table.schema,
  table: table.table
})

/**
 * The session's statement_timeout passed before the API answered (StatementTimeout): what
 * Postgres answers for a timed-out statement, nothing applied here. Once the request has
 * left, the API may still apply it, as when the proxy's own API timeout passes (58000).
 */
export const statementTimedOut = (timeoutMs: number, sent: boolean, table: SyncedTable): Report => ({
  severity: "ERROR",
  code: "57014",
  message: "canceling statement due to statement timeout",
  detail: sent
    ? `statement_timeout (${timeoutMs} ms) passed while ${table.schema} had the write unanswered: it may have been applied there`
    : `statement_timeout (${timeoutMs} ms) passed before the write was sent to ${table.schema}`,
  hint: sent
    ? "Do not retry blindly: if the API applied the change, the row arrives with the next sync. Check before writing again."
    : "Nothing was written. Retry, or raise statement_timeout.",
  schema: table.schema,
  table: table.table
})

/**
 * The client canceled the statement (a CancelRequest, WriteCancel) before the API answered:
 * what Postgres answers for a canceled statement, nothing applied here. As with the
 * statement_timeout, once the request has left the API may still apply it.
 */
export const canceledByUser = (sent: boolean, table: SyncedTable): Report => ({
  severity: "ERROR",
  code: "57014",
  message: "canceling statement due to user request",
  detail: sent
    ? `the statement was canceled while ${table.schema} had the write unanswered: it may have been applied there`
    : `the statement was canceled before the write was sent to ${table.schema}`,
  hint: sent
    ? "Do not retry blindly: if the API applied the change, the row arrives with the next sync. Check before writing again."
    : "Nothing was written. Run the statement again if you still want the change.",
  schema: table.schema,
  table: table.table
})

/** The API applied the change; writing it here failed. */
export const notApplied = (source: string, ids: ReadonlyArray<string>, detail: string, table: SyncedTable): Report => ({
  severity: "ERROR",
  code: "58000",
  message: `${source} accepted the write, but applying it to ${table.schema}.${table.table} failed: ${detail}`,
  detail: `${source} object ids: ${ids.join(", ")}`,
  hint: "Do not retry: the change is in the API, and the rows will arrive with the next sync.",
  schema: table.schema,
  table: table.table
})

/** Applied in the API and in Postgres; only reading RETURNING back failed. */
export const returningUnread = (source: string, ids: ReadonlyArray<string>, detail: string, table: SyncedTable): Report => ({
  severity: "ERROR",
  code: "58000",
  message: `the write was applied to ${source} and ${table.schema}.${table.table}, but reading RETURNING back failed: ${detail}`,
  detail: `${source} object ids: ${ids.join(", ")}`,
  hint: "Do not retry: the change is applied. Read the rows with a SELECT.",
  schema: table.schema,
  table: table.table
})

/** The codes of a stop that left a request unanswered: its rows may be in the API. */
const UNANSWERED: ReadonlySet<string> = new Set(["58000", "57014"])

/**
 * A multi-row statement that stopped part-way (the API takes one object per request): the
 * rows written before the stop are in the API and applied here. The stop's own code and
 * message stand; DETAIL and HINT say which rows made it and what to re-run.
 */
export const partlyWritten = (
  stop: Report,
  writtenIds: ReadonlyArray<string>,
  rows: number,
  unsent: number,
  table: SyncedTable
): Report => {
  const source = table.schema
  const inFlight = rows - writtenIds.length - unsent
  const before = `Before it, ${writtenIds.length} of ${rows} rows were written to ${source} and applied to ` +
    `${table.schema}.${table.table}: ${writtenIds.join(", ")}.`
  const after = UNANSWERED.has(stop.code)
    ? ` The request for the next ${inFlight === 1 ? "row" : `${inFlight} rows`} got no answer and may have been applied; ${unsent} more were not sent.`
    : ` The next ${inFlight === 1 ? "row was" : `${inFlight} rows were`} refused; ${unsent} more were not sent.`
  return {
    ...stop,
    detail: `${stop.detail === undefined ? "" : `${stop.detail}. `}${before}${after}`,
    hint: "Do not re-run the whole statement: the rows listed are written. Re-run it only for the rows that were not."
  }
}

export const tooManyRows = (table: SyncedTable, limit: number, action: string): Report => ({
  severity: "ERROR",
  code: "54000",
  message: `${table.schema} accepts at most ${limit} rows per ${action}; this statement ${action}s more`,
  hint: `Split the statement into batches of at most ${limit} rows.`,
  schema: table.schema,
  table: table.table
})

/** Five digits or upper-case letters: what an ErrorResponse's code must be. */
const SQLSTATE = /^[0-9A-Z]{5}$/

/**
 * A Postgres error from the proxy's own queries before the API call (a user's expression
 * that fails), passed on with its code. When it is the proxy's connection that failed,
 * not the statement (Postgres refused to open it, `53300` at max_connections or the role's
 * CONNECTION LIMIT, or ended it: a FATAL; or it could not be reached: a Node error such as
 * ECONNREFUSED, whose code is no SQLSTATE), the message says whose connection it was and
 * that nothing was sent: the client's own session is fine, and Postgres' bare message
 * would read as if it were not.
 */
export const fromDatabase = (error: unknown): Report => {
  const fields = error as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown; severity?: unknown }
  const message = typeof fields.message === "string" ? fields.message : String(error)
  const code = typeof fields.code === "string" && SQLSTATE.test(fields.code) ? fields.code : undefined
  if (fields.severity === "FATAL" || (typeof fields.code === "string" && code === undefined)) {
    return {
      severity: "ERROR",
      code: code ?? "08001",
      message: `the proxy could not use its own connection to Postgres for this write: ${message}`,
      ...(typeof fields.detail === "string" ? { detail: fields.detail } : {}),
      hint: "Nothing was sent to the API, and your session is fine: retry the write when Postgres takes connections again."
    }
  }
  return {
    severity: "ERROR",
    code: code ?? "XX000",
    message,
    ...(typeof fields.detail === "string" ? { detail: fields.detail } : {}),
    ...(typeof fields.hint === "string" ? { hint: fields.hint } : {})
  }
}

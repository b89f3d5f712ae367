/**
 * A failure the write path did not foresee (a bug: an exception where none was expected),
 * once the proxy has taken a client's write. It is still an ERROR, never a FATAL and never
 * silence: the client's upstream session was not harmed, so the session goes on, and the
 * failure is logged with its stack for whoever fixes it.
 *
 * What the ERROR says depends on how far the write got: once the API has accepted it, the
 * change is there whatever happens next, so it says so with the API's ids and that a retry
 * would write it twice (58000, as a failed apply says); before that the proxy cannot tell
 * whether anything left (XX000).
 */
import type { Report } from "../wire/Backend.js"
import type { Accepted } from "./Writes.js"

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** For the log: the stack, which names the line that failed. */
export const stackOf = (error: unknown): string => (error instanceof Error && error.stack !== undefined ? error.stack : String(error))

export const report = (error: unknown, accepted: Accepted | undefined): Report =>
  accepted === undefined
    ? {
      severity: "ERROR",
      code: "XX000",
      message: `the proxy failed while running this write: ${messageOf(error)}`,
      hint: "This is a bug in the proxy, logged with its stack. The API may or may not have taken the write: read the table before writing again."
    }
    : {
      severity: "ERROR",
      code: "58000",
      message: `${accepted.schema} accepted the write to ${accepted.schema}.${accepted.table}, but the proxy failed before answering it: ${messageOf(error)}`,
      detail: `${accepted.schema} object ids: ${accepted.ids.join(", ")}`,
      hint: "Do not retry: the change is in the API, and the rows arrive with the next sync if they are not here already. This is a bug in the proxy, logged with its stack.",
      schema: accepted.schema,
      table: accepted.table
    }

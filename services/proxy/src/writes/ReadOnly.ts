/**
 * A read-only transaction writes nothing in Postgres: `BEGIN READ ONLY`, a session whose
 * `default_transaction_read_only` is on (JDBC's `setReadOnly(true)`, `SET SESSION
 * CHARACTERISTICS AS TRANSACTION READ ONLY`), and every session of a hot standby. The
 * proxy runs a synced write outside the client's transaction, so Postgres never sees it
 * there; the relay asks the session's `transaction_read_only` with the write's settings
 * (`SHOW`, as the transaction has it at that point) and the write is refused as Postgres
 * refuses one, `25006`, before anything is sent.
 */
import type { Report } from "../wire/Backend.js"

/** The refusal for a write of `action` with these session settings, or undefined when the transaction may write. */
export const refusal = (sessionParameters: ReadonlyMap<string, string>, action: "insert" | "update" | "delete"): Omit<Report, "schema" | "table"> | undefined =>
  sessionParameters.get("transaction_read_only")?.toLowerCase() === "on"
    ? {
      severity: "ERROR",
      code: "25006",
      message: `cannot execute ${action.toUpperCase()} in a read-only transaction`,
      detail: "Nothing was sent to the API."
    }
    : undefined

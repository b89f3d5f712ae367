/**
 * A write's text must be UTF-8. The proxy reads a write's SQL and parameters as UTF-8, sends
 * the API what it read, and sends RETURNING rows in UTF-8; it does not convert between
 * encodings as Postgres does for the session. In a session whose `client_encoding` is another
 * one (psql on a LATIN1 terminal, WIN1252 on Windows), "José" would reach the API as
 * "Jos\uFFFD", so such a write is refused before anything is sent. SQL_ASCII is Postgres
 * passing bytes through unconverted: the database's UTF-8, as with UTF8. Reads are the
 * session's own and Postgres converts them as usual.
 */
import type { Report } from "../wire/Backend.js"

const PASSED_THROUGH = new Set(["UTF8", "UNICODE", "SQL_ASCII"])

/** The refusal for a write in the session's encoding, or undefined when it can be written. */
export const refusal = (sessionParameters: ReadonlyMap<string, string>): Omit<Report, "schema" | "table"> | undefined => {
  const encoding = sessionParameters.get("client_encoding")
  if (encoding === undefined || PASSED_THROUGH.has(encoding.toUpperCase())) return undefined
  return {
    severity: "ERROR",
    code: "0A000",
    message: `writes to synced tables need client_encoding UTF8; this session's is ${encoding}`,
    detail: "The proxy sends the API a write's text as UTF-8 and does not convert it from the session's encoding, so it would arrive mangled. Nothing was sent.",
    hint: "SET client_encoding TO 'UTF8' for the write (psql: \\encoding UTF8, or PGCLIENTENCODING=UTF8), with the text in UTF-8."
  }
}

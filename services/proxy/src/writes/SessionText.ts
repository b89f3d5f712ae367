/**
 * A write's text is read as the proxy reads it: UTF-8, with standard strings. The proxy reads a
 * write's SQL and parameters, evaluates its expressions on reader connections of its own and
 * sends the API what it read; it does not take on two session settings that change how text is
 * read, so a write in a session with either is refused before anything is sent:
 *
 * - `client_encoding` other than UTF8: Postgres converts the session's text, the proxy does not,
 *   so psql on a LATIN1 terminal inserting "José" sent the API "Jos\uFFFD" (and RETURNING rows
 *   go out in UTF-8). SQL_ASCII is Postgres passing bytes through unconverted: the database's
 *   UTF-8, as with UTF8.
 * - `standard_conforming_strings = off`: backslashes in '…' are escapes there, not on the
 *   proxy's side, so 'a\nb' reached the API as a backslash and an n, not a newline.
 *
 * Reads are the session's own: Postgres reads them with the session's settings as usual.
 */
import type { Report } from "../wire/Backend.js"

const PASSED_THROUGH = new Set(["UTF8", "UNICODE", "SQL_ASCII"])

type Refusal = Omit<Report, "schema" | "table">

const refused = (message: string, detail: string, hint: string): Refusal => ({ severity: "ERROR", code: "0A000", message, detail, hint })

/** The refusal for a write in a session with these settings, or undefined when it can be written. */
export const refusal = (sessionParameters: ReadonlyMap<string, string>): Refusal | undefined => {
  const encoding = sessionParameters.get("client_encoding")
  if (encoding !== undefined && !PASSED_THROUGH.has(encoding.toUpperCase())) {
    return refused(
      `writes to synced tables need client_encoding UTF8; this session's is ${encoding}`,
      "The proxy sends the API a write's text as UTF-8 and does not convert it from the session's encoding, so it would arrive mangled. Nothing was sent.",
      "SET client_encoding TO 'UTF8' for the write (psql: \\encoding UTF8, or PGCLIENTENCODING=UTF8), with the text in UTF-8."
    )
  }
  if (sessionParameters.get("standard_conforming_strings")?.toLowerCase() === "off") {
    return refused(
      "writes to synced tables need standard_conforming_strings on; this session has it off",
      "The proxy reads a write's string literals as standard strings (a backslash is a backslash), so escapes in them would reach the API as written. Nothing was sent.",
      "SET standard_conforming_strings TO on for the write, or write escapes as E'…' strings."
    )
  }
  return undefined
}

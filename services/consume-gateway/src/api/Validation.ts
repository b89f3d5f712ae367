/**
 * A request that does not match its schema becomes one `InvalidRequest` naming the field at
 * fault: `filters.collection_id`, `ack_tokens[2]`, `batch_size`, or `body` for the whole body
 * (also when the body is not JSON). Used for the HttpApi's errors and for the hot routes' own
 * decoding, so both say the same.
 */
import { InvalidRequest } from "./Errors.js"

export interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

export const fieldOf = (issue: Issue | undefined): string =>
  issue === undefined
    ? "body"
    : issue.path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`).join("") || "body"

export const invalidRequest = (issues: ReadonlyArray<Issue>, fallbackMessage: string): InvalidRequest => {
  const issue = issues[0]
  const field = fieldOf(issue)
  return new InvalidRequest({ message: `${field}: ${issue?.message ?? fallbackMessage}`, field })
}

/** A body that is not JSON (a `SyntaxError` from the parse), or that could not be read at all. */
export const unreadableBody = (cause: unknown): InvalidRequest => {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return new InvalidRequest({
    message: cause instanceof SyntaxError ? `body: not valid JSON (${detail})` : `body: could not be read (${detail})`,
    field: "body"
  })
}

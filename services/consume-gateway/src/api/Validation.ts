/**
 * A request that does not match its schema becomes one `InvalidRequest` naming the field at
 * fault: `filters.collection_id`, `ack_tokens[2]`, `batch_size`, or `body` for the whole body.
 * Used for the HttpApi's decode errors and for the hot routes' own decoding, so both say the same.
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

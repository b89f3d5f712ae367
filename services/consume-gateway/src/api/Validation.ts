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

/**
 * The largest body a route reads, on both HTTP paths: the hot routes count it themselves, the
 * HttpApi is given it (`Gateway.ts`; its platform reads a body of any size into memory unless told).
 */
export const MAX_BODY_BYTES = 10 * 1024 * 1024

export const bodyTooLarge = (): InvalidRequest => new InvalidRequest({ message: "body: larger than 10 MiB", field: "body" })

/** A body that is not JSON (a `SyntaxError` from the parse), or that could not be read at all. */
export const unreadableBody = (cause: unknown): InvalidRequest => {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return new InvalidRequest({
    message: cause instanceof SyntaxError ? `body: not valid JSON (${detail})` : `body: could not be read (${detail})`,
    field: "body"
  })
}

/**
 * A body sent with a content type that is not JSON. The HttpApi decodes such a body by its
 * type (a form's keys as fields), so `curl -d '{"name":"x"}'`, whose default type is
 * `application/x-www-form-urlencoded`, would be refused as the whole JSON text being an
 * unexpected field. Saying what to send instead is the useful answer.
 */
export const notJsonContentType = (contentType: string): InvalidRequest =>
  new InvalidRequest({
    message: `body: send it as JSON with \`content-type: application/json\`; this request's content-type is ${contentType}`,
    field: "body"
  })

/** Whether a request's `content-type` (absent: JSON, as the API assumes) is a JSON one. */
export const isJsonContentType = (contentType: string | undefined): boolean =>
  contentType === undefined || contentType === "" || /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType.trim())

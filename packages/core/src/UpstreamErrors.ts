/**
 * How a connector reports what the upstream API said. The sync engine decides from the
 * tag whether to back off, fail the sync or skip; the proxy maps each tag to a SQLSTATE.
 */
import { Schema } from "effect"

/** The API asked us to slow down (HTTP 429 or a source-specific equivalent). */
export class UpstreamRateLimited extends Schema.TaggedError<UpstreamRateLimited>()("UpstreamRateLimited", {
  source: Schema.String,
  retryAfterMs: Schema.optional(Schema.Number),
  /** What the API said about retrying (Stripe's `Stripe-Should-Retry`), when it said. */
  shouldRetry: Schema.optional(Schema.Boolean),
  detail: Schema.String
}) {
  override get message() {
    return `${this.source} rate limit: ${this.detail}`
  }
}

/** The API could not be reached, or answered 5xx. `sent` says whether the request may have been applied. */
export class UpstreamUnavailable extends Schema.TaggedError<UpstreamUnavailable>()("UpstreamUnavailable", {
  source: Schema.String,
  status: Schema.optional(Schema.Number),
  sent: Schema.Boolean,
  /** What the API said about retrying (Stripe's `Stripe-Should-Retry`), when it said. */
  shouldRetry: Schema.optional(Schema.Boolean),
  detail: Schema.String
}) {
  override get message() {
    return `${this.source} unavailable${this.status === undefined ? "" : ` (HTTP ${this.status})`}: ${this.detail}`
  }
}

/** The credentials were refused. Retrying will not help; the sync needs a new key. */
export class UpstreamAuthFailed extends Schema.TaggedError<UpstreamAuthFailed>()("UpstreamAuthFailed", {
  source: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.source} refused the API key: ${this.detail}`
  }
}

/** The API refused the request as invalid (validation, missing object, conflict). */
export class UpstreamRejected extends Schema.TaggedError<UpstreamRejected>()("UpstreamRejected", {
  source: Schema.String,
  status: Schema.Number,
  code: Schema.optional(Schema.String),
  /** The request parameter the API blamed, when it named one. */
  param: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  override get message() {
    return `${this.source} rejected the request: ${this.detail}`
  }
}

export type UpstreamError = UpstreamRateLimited | UpstreamUnavailable | UpstreamAuthFailed | UpstreamRejected

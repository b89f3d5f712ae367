/**
 * The one place where Stripe's errors become Tributary's. Keyed on the HTTP status and
 * Stripe's error `code`, never on message text. The sync engine backs off on the first two
 * kinds, fails the sync on the third and skips on the last; the proxy maps each to a SQLSTATE.
 */
import { UpstreamErrors } from "@tributary/core"
import Stripe from "stripe"

const SOURCE = "stripe"

/** Connection errors that mean the request never left: no connection was ever opened. */
const NEVER_SENT: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"])

/** The system error code behind a `StripeConnectionError` (the SDK keeps the cause in `detail`). */
const systemCodeOf = (error: InstanceType<typeof Stripe.errors.StripeError>): string | undefined => {
  const detail: unknown = error.detail
  return typeof detail === "object" && detail !== null && "code" in detail && typeof detail.code === "string"
    ? detail.code
    : undefined
}

/** `Stripe-Should-Retry: true|false`, when Stripe sent it. */
const shouldRetryOf = (headers: Readonly<Record<string, string>> | undefined): { shouldRetry?: boolean } => {
  const value = headers?.["stripe-should-retry"]
  return value === "true" ? { shouldRetry: true } : value === "false" ? { shouldRetry: false } : {}
}

const retryAfterOf = (headers: Readonly<Record<string, string>> | undefined): { retryAfterMs?: number } => {
  const seconds = Number(headers?.["retry-after"])
  return Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}
}

export const toUpstreamError = (error: unknown): UpstreamErrors.UpstreamError => {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new UpstreamErrors.UpstreamUnavailable({
      source: SOURCE,
      sent: true,
      detail: error instanceof Error ? error.message : String(error)
    })
  }
  const status = error.statusCode
  const detail = error.message
  if (error instanceof Stripe.errors.StripeConnectionError || status === undefined) {
    const code = systemCodeOf(error)
    // Without a connection nothing was sent; once one was open, the request may have reached Stripe.
    const sent = code === undefined || !NEVER_SENT.has(code)
    return new UpstreamErrors.UpstreamUnavailable({ source: SOURCE, sent, detail: code === undefined ? detail : `${code}: ${detail}` })
  }
  if (status === 429 || error.code === "rate_limit" || error.code === "lock_timeout") {
    return new UpstreamErrors.UpstreamRateLimited({
      source: SOURCE,
      ...retryAfterOf(error.headers),
      ...shouldRetryOf(error.headers),
      detail: error.code === undefined ? detail : `${error.code}: ${detail}`
    })
  }
  if (status === 401) return new UpstreamErrors.UpstreamAuthFailed({ source: SOURCE, detail })
  // 409: the same idempotency key is still being processed; Stripe asks callers to retry.
  if (status >= 500 || status === 409) {
    return new UpstreamErrors.UpstreamUnavailable({
      source: SOURCE,
      status,
      sent: true,
      ...shouldRetryOf(error.headers),
      detail
    })
  }
  return new UpstreamErrors.UpstreamRejected({
    source: SOURCE,
    status,
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.param === undefined ? {} : { param: error.param }),
    detail
  })
}

/** Stripe's code for a missing object (`No such customer: 'cus_x'`). */
export const isMissing = (error: UpstreamErrors.UpstreamError): boolean =>
  error._tag === "UpstreamRejected" && (error.status === 404 || error.code === "resource_missing")

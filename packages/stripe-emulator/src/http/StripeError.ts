/**
 * An error that leaves the emulator in Stripe's envelope: `{error: {type, code, message, param, doc_url}}`.
 * Everything a handler rejects is thrown as one of these; the server turns it into the HTTP response.
 */
export type StripeErrorType =
  | "api_error"
  | "authentication_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error"

export interface StripeErrorFields {
  readonly status: number
  readonly type: StripeErrorType
  readonly message: string
  readonly code?: string
  readonly param?: string
  readonly declineCode?: string
  /** Sent as `Stripe-Should-Retry`, which the official SDKs obey. */
  readonly shouldRetry?: boolean
}

export class StripeError extends Error {
  readonly status: number
  readonly type: StripeErrorType
  readonly code: string | undefined
  readonly param: string | undefined
  readonly declineCode: string | undefined
  readonly shouldRetry: boolean | undefined

  constructor(fields: StripeErrorFields) {
    super(fields.message)
    this.name = "StripeError"
    this.status = fields.status
    this.type = fields.type
    this.code = fields.code
    this.param = fields.param
    this.declineCode = fields.declineCode
    this.shouldRetry = fields.shouldRetry
  }

  toJSON(): { error: Record<string, string> } {
    const error: Record<string, string> = {}
    if (this.code !== undefined) error["code"] = this.code
    if (this.declineCode !== undefined) error["decline_code"] = this.declineCode
    if (this.code !== undefined) error["doc_url"] = `https://stripe.com/docs/error-codes/${this.code.replaceAll("_", "-")}`
    error["message"] = this.message
    if (this.param !== undefined) error["param"] = this.param
    error["type"] = this.type
    return { error }
  }
}

export const invalidRequest = (message: string, options: { code?: string; param?: string; status?: number } = {}) =>
  new StripeError({ status: options.status ?? 400, type: "invalid_request_error", message, ...withoutStatus(options) })

const withoutStatus = ({ status: _status, ...rest }: { code?: string; param?: string; status?: number }) => rest

/** Stripe's wording for an id that does not exist (or no longer does). */
export const noSuch = (objectName: string, id: string, param: string, status = 404) =>
  new StripeError({
    status,
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${objectName}: '${id}'`
  })

export const parameterMissing = (param: string) =>
  invalidRequest(`Missing required param: ${param}.`, { code: "parameter_missing", param })

export const parameterUnknown = (param: string) =>
  invalidRequest(`Received unknown parameter: ${param}`, { code: "parameter_unknown", param })

export const parameterInvalid = (param: string, message: string, code = "parameter_invalid_string") =>
  invalidRequest(message, { code, param })

export const cardDeclined = (declineCode: string, message: string, code = "card_declined") =>
  new StripeError({ status: 402, type: "card_error", code, declineCode, message })

export const apiError = (status: number) =>
  new StripeError({
    status,
    type: "api_error",
    message: "An unknown error occurred. (Injected by the emulator's 5xx fault.)"
  })

export const rateLimited = () =>
  new StripeError({
    status: 429,
    type: "invalid_request_error",
    code: "rate_limit",
    message:
      "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits."
  })

export const lockTimeout = () =>
  new StripeError({
    status: 429,
    type: "invalid_request_error",
    code: "lock_timeout",
    shouldRetry: true,
    message:
      "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request."
  })

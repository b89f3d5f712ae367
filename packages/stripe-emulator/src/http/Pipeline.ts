import type { Account } from "../accounts/Account.js"
import type { Registry } from "../accounts/Registry.js"
import type { ApiRequest, Handler, Reply } from "../api/ApiRequest.js"
import { Writer } from "../domain/Writer.js"
import type { Body } from "./Body.js"
import type { FormObject } from "./FormEncoding.js"
import type { Router, Method } from "./Router.js"
import { apiError, lockTimeout, rateLimited, StripeError } from "./StripeError.js"

/**
 * The life of a `/v1` request, in Stripe's order: authenticate, pick the account, spend the rate
 * budget, apply injected faults, claim the idempotency key, wait out injected latency, run, and
 * save the result for replays. Independent of node:http so it can be exercised directly.
 */
export interface IncomingApiRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly stripeAccount: string | undefined
  readonly idempotencyKey: string | undefined
  readonly params: FormObject
  /** Raw body (or query) used to tell a replay from a reuse of the key with other parameters. */
  readonly fingerprint: string
}

export interface OutgoingReply {
  readonly status: number
  readonly body: Body
  readonly headers: Readonly<Record<string, string>>
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255

export class Pipeline {
  constructor(
    private readonly registry: Registry,
    private readonly router: Router<Handler>
  ) {}

  async handle(incoming: IncomingApiRequest, requestId: string): Promise<OutgoingReply> {
    const headers: Record<string, string> = { "Request-Id": requestId }
    let platform: Account
    try {
      platform = this.authenticate(incoming.authorization)
    } catch (error) {
      return errorReply(error, headers)
    }
    return dated(platform, await this.serve(platform, incoming, requestId, headers))
  }

  /** A request refused before it could be read (an unparsable body): still authenticated first, as Stripe does. */
  refuse(authorization: string | undefined, refusal: StripeError, requestId: string): OutgoingReply {
    const headers: Record<string, string> = { "Request-Id": requestId }
    try {
      return dated(this.authenticate(authorization), errorReply(refusal, headers))
    } catch (error) {
      return errorReply(error, headers)
    }
  }

  private async serve(platform: Account, incoming: IncomingApiRequest, requestId: string, headers: Record<string, string>): Promise<OutgoingReply> {
    try {
      const account = this.select(platform, incoming.stripeAccount, incoming.authorization ?? "")
      const nowMs = Date.now()
      const { limiter, faults } = platform.scope
      if (!limiter.tryTake(nowMs) || faults.inRateLimitStorm(nowMs)) throw rateLimited()
      const serverError = faults.serverError()
      if (serverError !== undefined) throw apiError(serverError)
      const isWrite = incoming.method !== "GET"
      if (faults.lockTimeout(isWrite)) throw lockTimeout()

      const key = incoming.method === "POST" ? incoming.idempotencyKey : undefined
      if (key !== undefined) {
        headers["Idempotency-Key"] = key
        const replay = this.claimKey(account, key, incoming)
        if (replay !== undefined) return { ...replay, headers: { ...headers, "Idempotent-Replayed": "true", "Original-Request": replay.requestId } }
      }
      try {
        if (faults.slowMs > 0) await sleep(faults.slowMs)
        const reply = this.run(account, incoming, requestId, key ?? null)
        if (key !== undefined) account.idempotency.complete(key, { ...reply, requestId })
        return { ...reply, body: faults.malform(reply.body), headers }
      } catch (error) {
        if (key !== undefined) this.settleFailedKey(account, key, error, requestId)
        throw error
      }
    } catch (error) {
      return errorReply(error, headers)
    }
  }

  private authenticate(authorization: string | undefined): Account {
    const key = apiKeyOf(authorization)
    if (key === undefined) {
      throw new StripeError({
        status: 401,
        type: "authentication_error",
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
      })
    }
    const account = this.registry.authenticate(key)
    if (account !== undefined && this.registry.isRevoked(key)) {
      this.registry.countRefusal(key)
      throw new StripeError({
        status: 401,
        type: "authentication_error",
        code: "api_key_expired",
        message: `Expired API Key provided: ${redact(key)}`
      })
    }
    if (account === undefined) {
      throw new StripeError({
        status: 401,
        type: "authentication_error",
        code: "api_key_invalid",
        message: `Invalid API Key provided: ${redact(key)}`
      })
    }
    return account
  }

  private select(platform: Account, stripeAccount: string | undefined, authorization: string): Account {
    if (stripeAccount === undefined || stripeAccount === platform.id) return platform
    const connected = platform.connected.get(stripeAccount)
    if (connected !== undefined) return connected
    throw new StripeError({
      status: 403,
      type: "invalid_request_error",
      code: "account_invalid",
      message: `The provided key '${redact(apiKeyOf(authorization) ?? "")}' does not have access to account '${stripeAccount}' (or that account does not exist). Application access may have been revoked.`
    })
  }

  private claimKey(account: Account, key: string, incoming: IncomingApiRequest): (Reply & { requestId: string }) | undefined {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new StripeError({
        status: 400,
        type: "invalid_request_error",
        message: `Invalid idempotency key: keys can be no longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`
      })
    }
    const fingerprint = `${incoming.method} ${incoming.path} ${incoming.fingerprint}`
    const check = account.idempotency.begin(key, fingerprint, account.nowSeconds())
    switch (check.kind) {
      case "new":
        return undefined
      case "replay":
        return check.response
      case "in_progress":
        throw new StripeError({
          status: 409,
          type: "idempotency_error",
          message:
            "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): " +
            `${key}. Please try again later.`
        })
      case "mismatch":
        throw new StripeError({
          status: 400,
          type: "idempotency_error",
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
        })
    }
  }

  /** Stripe saves the outcome once a request ran (a card decline replays); validation failures free the key. */
  private settleFailedKey(account: Account, key: string, error: unknown, requestId: string): void {
    if (error instanceof StripeError && error.status === 402) {
      account.idempotency.complete(key, { status: error.status, body: JSON.stringify(error.toJSON()), requestId })
    } else {
      account.idempotency.release(key)
    }
  }

  private run(account: Account, incoming: IncomingApiRequest, requestId: string, idempotencyKey: string | null): Reply {
    const match = this.router.match(incoming.method, incoming.path)
    if (match.kind === "not_found") throw unrecognizedUrl(incoming.method, incoming.path)
    let writer: Writer | undefined
    const request: ApiRequest = {
      account,
      method: incoming.method as Method,
      path: incoming.path,
      pathParams: match.params,
      params: incoming.params,
      requestId,
      idempotencyKey,
      writer: () => (writer ??= new Writer(account, account.nowSeconds(), { id: requestId, idempotency_key: idempotencyKey }))
    }
    return match.handler(request)
  }
}

export const unrecognizedUrl = (method: string, path: string) =>
  new StripeError({
    status: 404,
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`
  })

export const errorReply = (error: unknown, headers: Readonly<Record<string, string>>): OutgoingReply => {
  const stripeError = error instanceof StripeError ? error : internalError(error)
  const withRetry =
    stripeError.shouldRetry === undefined ? headers : { ...headers, "Stripe-Should-Retry": String(stripeError.shouldRetry) }
  return { status: stripeError.status, body: JSON.stringify(stripeError.toJSON()), headers: withRetry }
}

/** A bug in the emulator: still a well-formed Stripe 500, with the cause in the message. */
const internalError = (error: unknown): StripeError =>
  new StripeError({
    status: 500,
    type: "api_error",
    message: `Emulator internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
  })

export const apiKeyOf = (authorization: string | undefined): string | undefined => {
  if (authorization === undefined) return undefined
  if (authorization.startsWith("Bearer ")) return authorization.slice(7).trim() || undefined
  if (authorization.startsWith("Basic ")) {
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8")
    return decoded.split(":")[0] || undefined
  }
  return undefined
}

const redact = (key: string): string => `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`

/**
 * In Stripe the `Date` header and `created` come from one clock, and clients (our connector among
 * them) take "now" from `Date`; so it follows the key's clock when a test advances it. The format
 * is RFC 9110's `IMF-fixdate`, as node:http writes its own.
 */
const dated = (platform: Account, reply: OutgoingReply): OutgoingReply => ({
  ...reply,
  headers: { ...reply.headers, Date: new Date(platform.clock.nowSeconds() * 1000).toUTCString() }
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

import type { Account } from "../accounts/Account.js"
import type { Body } from "../http/Body.js"
import type { Writer } from "../domain/Writer.js"
import type { FormObject } from "../http/FormEncoding.js"
import type { Method } from "../http/Router.js"

/** What a `/v1` handler gets: the account selected by key and `Stripe-Account`, and the parameters. */
export interface ApiRequest {
  readonly account: Account
  readonly method: Method
  /** The path without its query string, e.g. `/v1/customers`: list `url`s are built from it. */
  readonly path: string
  readonly pathParams: ReadonlyArray<string>
  /** Query string and form body, merged. */
  readonly params: FormObject
  readonly requestId: string
  readonly idempotencyKey: string | null
  /** A writer stamped with this request (`request.id`, `request.idempotency_key` of its events). */
  writer(): Writer
}

export interface Reply {
  readonly status: number
  readonly body: Body
}

export type Handler = (request: ApiRequest) => Reply

export const ok = (body: Body): Reply => ({ status: 200, body })

/** The n-th path parameter (routes are defined with them, so absence is a programming error). */
export const pathParam = (request: ApiRequest, index = 0): string => {
  const value = request.pathParams[index]
  if (value === undefined) throw new Error(`route for ${request.path} has no path parameter ${index}`)
  return value
}

/**
 * The Stripe SDK, pointed at the sync's `api_base_url` and account, and the one way this
 * connector makes a request: under the engine's budget (`Requests.run`), with errors
 * converted once (`Errors.ts`), timed so that what it returns carries a `Version`.
 */
import { Agent as HttpAgent } from "node:http"
import { Agent as HttpsAgent } from "node:https"
import type { Connector } from "@tributary/core"
import { Effect, Redacted } from "effect"
import Stripe from "stripe"
import { toUpstreamError } from "./Errors.js"
import * as UpstreamClock from "./internal/UpstreamClock.js"

export interface Timed<A> {
  readonly value: A
  readonly version: Connector.Version
}

/** What every SDK response carries: the HTTP headers of the reply. */
interface WithResponse {
  readonly lastResponse?: { readonly headers: Readonly<Record<string, string>> }
}

export interface Client {
  readonly stripe: Stripe
  readonly clock: UpstreamClock.UpstreamClock
  readonly call: <A extends WithResponse>(
    operation: string,
    run: (stripe: Stripe) => Promise<A>
  ) => Effect.Effect<Timed<A>, Connector.Refusal>
}

const endpoint = (apiBaseUrl: string | undefined) => {
  if (apiBaseUrl === undefined) return { agent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) }
  const url = new URL(apiBaseUrl)
  const protocol = url.protocol === "http:" ? "http" as const : "https" as const
  return {
    host: url.hostname,
    ...(url.port === "" ? {} : { port: url.port }),
    protocol,
    agent: protocol === "http" ? new HttpAgent({ keepAlive: true, maxSockets: 64 }) : new HttpsAgent({ keepAlive: true, maxSockets: 64 })
  }
}

export const make = (options: Connector.ConnectOptions): Client => {
  const { agent, ...where } = endpoint(options.apiBaseUrl)
  const stripe = new Stripe(Redacted.value(options.apiKey), {
    ...where,
    httpAgent: agent,
    // The engine owns retries: it meters every attempt against the budget and backs off.
    maxNetworkRetries: 0,
    telemetry: false,
    timeout: 30_000,
    ...(options.account === undefined ? {} : { stripeAccount: options.account })
  })
  const clock = UpstreamClock.make()
  const call = <A extends WithResponse>(operation: string, run: (stripe: Stripe) => Promise<A>) =>
    options.requests.run(
      operation,
      Effect.tryPromise({
        try: async () => {
          const sentAt = Date.now()
          const value = await run(stripe)
          const version = clock.observe(value.lastResponse?.headers.date, sentAt, Date.now())
          return { value, version }
        },
        catch: toUpstreamError
      })
    )
  return { stripe, clock, call }
}

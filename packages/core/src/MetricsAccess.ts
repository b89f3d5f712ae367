/**
 * Who may read a service's Prometheus `/metrics`: whoever presents the metrics token every
 * replica shares, `Authorization: Bearer <TRIBUTARY_METRICS_TOKEN>` (Prometheus'
 * `authorization.credentials`). Without a configured token `/metrics` stays closed: it
 * names consumers, tables and syncs, and counts logins, which no one unauthenticated
 * should see. `/healthz` and `/readyz` stay open for the orchestrator's probes.
 */
import { timingSafeEqual } from "node:crypto"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Config, Effect, Option, Redacted, Schema } from "effect"
import * as BearerAuthorization from "./BearerAuthorization.js"
import { env } from "./Settings.js"

export const token = Config.option(Schema.Config(
  env("METRICS_TOKEN"),
  Schema.Redacted(Schema.String.pipe(Schema.minLength(16, {
    message: () => "must be at least 16 characters (generate one with: openssl rand -base64 24)"
  })))
))

export type Verdict =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Refused"; readonly status: 401 | 403; readonly message: string }

const same = (a: string, b: string): boolean => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

export const check = (configured: Option.Option<Redacted.Redacted<string>>, authorization: string | undefined): Verdict => {
  if (Option.isNone(configured)) {
    return { _tag: "Refused", status: 403, message: `metrics are off: set ${env("METRICS_TOKEN")} and scrape with that bearer token` }
  }
  const given = BearerAuthorization.tokenOf(authorization)
  if (given === undefined || !same(given, Redacted.value(configured.value))) {
    return { _tag: "Refused", status: 401, message: `/metrics needs Authorization: Bearer <${env("METRICS_TOKEN")}>` }
  }
  return { _tag: "Allowed" }
}

/**
 * A `/metrics` route body for @effect/platform routers: the token is checked, then `render`
 * makes the Prometheus text.
 */
export const guard = <E, R>(
  configured: Option.Option<Redacted.Redacted<string>>,
  render: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const verdict = check(configured, request.headers["authorization"])
    return verdict._tag === "Allowed"
      ? render
      : Effect.succeed(HttpServerResponse.unsafeJson({ message: verdict.message }, { status: verdict.status }))
  })

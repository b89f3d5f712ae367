/**
 * What `/healthz` and `/readyz` answer, the same in every service. They take no token, so
 * that an orchestrator's probes get through, and so they say nothing but a fixed word:
 * `{"status":"ok"}`; `{"status":"ready"}` (200) or `{"status":"not ready"}` (503). Why a
 * service is not ready can name hosts, users and databases (a Postgres error does), so only
 * a caller with the metrics token (`MetricsAccess`, `Authorization: Bearer <token>`) also
 * gets `reasons`: which component is not ready, and why. A missing or wrong token gets
 * the plain answer, never a 401: the status code is the probe's answer and must not change.
 *
 * Operators without the token still see the reasons: the service logs them when its
 * readiness changes (once per change, not once per probe).
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Ref, Schema } from "effect"
import type { Option, Redacted } from "effect"
import * as MetricsAccess from "./MetricsAccess.js"

/** One reason a service is not ready: the component (a dependency, or a part of the service) and why. */
export const Unready = Schema.Struct({ component: Schema.String, reason: Schema.String })
  .annotations({ identifier: "Unready" })
export type Unready = typeof Unready.Type

export const Live = Schema.Struct({ status: Schema.Literal("ok") }).annotations({ identifier: "Live" })

export const Ready = Schema.Struct({ status: Schema.Literal("ready") }).annotations({ identifier: "Ready" })

export const NotReady = Schema.Struct({
  status: Schema.Literal("not ready"),
  reasons: Schema.optional(Schema.Array(Unready))
}).annotations({
  identifier: "NotReady",
  description: "`reasons` only for the metrics token (`Authorization: Bearer <TRIBUTARY_METRICS_TOKEN>`)"
})

export const live: typeof Live.Type = { status: "ok" }

export type Answer =
  | { readonly status: 200; readonly body: typeof Ready.Type }
  | { readonly status: 503; readonly body: typeof NotReady.Type }

/** The `/readyz` answer to a caller who sent `authorization`, for a service not ready for `unready` (none: ready). */
export const answer = (
  configured: Option.Option<Redacted.Redacted<string>>,
  authorization: string | undefined,
  unready: ReadonlyArray<Unready>
): Answer => {
  if (unready.length === 0) return { status: 200, body: { status: "ready" } }
  const detail = MetricsAccess.check(configured, authorization)._tag === "Allowed"
  return { status: 503, body: detail ? { status: "not ready", reasons: unready } : { status: "not ready" } }
}

const reasonsText = (unready: ReadonlyArray<Unready>) =>
  unready.map(({ component, reason }) => `${component}: ${reason}`).join("; ")

/**
 * A log of readiness that writes only when it changes: `observe` each time readiness is
 * known (a probe), and the first observation and every change after it are logged.
 */
export const changeLog: Effect.Effect<{ readonly observe: (unready: ReadonlyArray<Unready>) => Effect.Effect<void> }> =
  Effect.map(Ref.make<string | undefined>(undefined), (last) => ({
    observe: (unready) => {
      const now = unready.length === 0 ? "" : reasonsText(unready)
      return Effect.flatMap(
        Ref.modify(last, (before) => [before !== now, now]),
        (changed) =>
          !changed ? Effect.void : now === "" ? Effect.logInfo("ready") : Effect.logWarning(`not ready: ${now}`)
      )
    }
  }))

/**
 * `/healthz` and `/readyz` for an @effect/platform router. `unready` says what keeps the
 * service from being ready now (nothing: it is); it runs at each probe, and its changes are logged.
 */
export const routes = <R>(
  configured: Option.Option<Redacted.Redacted<string>>,
  unready: Effect.Effect<ReadonlyArray<Unready>, never, R>
) =>
  Effect.map(changeLog, (log) =>
    HttpRouter.empty.pipe(
      HttpRouter.get("/healthz", HttpServerResponse.unsafeJson(live)),
      HttpRouter.get(
        "/readyz",
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const now = yield* unready
          yield* log.observe(now)
          const { body, status } = answer(configured, request.headers["authorization"], now)
          return HttpServerResponse.unsafeJson(body, { status })
        })
      )
    ))

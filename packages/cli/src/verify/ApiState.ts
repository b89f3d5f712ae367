/**
 * The upstream state of a sync read from the API itself, for `verify --expected api`: the
 * source's connector lists every collection the sync mirrors (its backfill, page by page).
 * The listing runs beside the live sync on the same account, so it takes a small share of
 * the account's quota, and it waits out rate limits and outages rather than failing.
 */
import { Sources } from "@tributary/connectors"
import type { Collection, Connector, SyncConfig, UpstreamErrors } from "@tributary/core"
import { Verification } from "@tributary/tables"
import { Duration, Effect, RateLimiter, Schedule } from "effect"
import type { Redacted, Scope } from "effect"

/** Requests per second the listing may make: a fifth of Stripe's default 100, leaving the sync the rest. */
export const REQUESTS_PER_SECOND = 20
/** Retries of one request that keeps hitting a rate limit or an outage, about two minutes in all. */
const RETRIES = 12

/** Virtual collections have no state to compare: an upcoming invoice is computed afresh on every read. */
const VIRTUAL: ReadonlySet<string> = new Set(["stripe:upcoming_invoice"])

const connectorFor = (source: string): Connector.Connector | undefined => Sources.forSource(source)?.make()

const isPassing = (
  error: UpstreamErrors.UpstreamError
): error is UpstreamErrors.UpstreamRateLimited | UpstreamErrors.UpstreamUnavailable =>
  error._tag === "UpstreamRateLimited" || error._tag === "UpstreamUnavailable"

const patient = (limit: RateLimiter.RateLimiter): Connector.Requests => ({
  run: (operation, request) =>
    limit(request).pipe(
      Effect.retry({
        while: isPassing,
        times: RETRIES,
        schedule: Schedule.exponential(Duration.millis(250)).pipe(Schedule.union(Schedule.spaced(Duration.seconds(10))))
      }),
      Effect.catchIf(isPassing, (error) => Effect.dieMessage(`${operation}: ${error.message}, still after ${RETRIES} retries`))
    )
})

export const forSync = (
  config: SyncConfig.SyncConfig,
  apiKey: Redacted.Redacted<string>
): Effect.Effect<Verification.ExpectedState.ExpectedState | undefined, never, Scope.Scope> =>
  Effect.gen(function*() {
    const connector = connectorFor(config.source)
    if (connector === undefined) return undefined
    const limit = yield* RateLimiter.make({ limit: REQUESTS_PER_SECOND, interval: Duration.seconds(1) })
    const collections: ReadonlyArray<Collection.CollectionId> = (config.collections === "all"
      ? connector.collections.map((c) => c.id)
      : config.collections
    ).filter((id) => !VIRTUAL.has(id))
    const connection = yield* connector.connect({
      apiKey,
      account: config.account,
      apiBaseUrl: config.api_base_url,
      collections,
      requests: patient(limit)
    })
    const where = config.api_base_url ?? `the ${config.source} API`
    return Verification.BackfillState.make(`${where}, listed now`, connection.backfill, collections)
  })

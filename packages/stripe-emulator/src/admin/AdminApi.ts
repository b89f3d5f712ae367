import { Schema } from "effect"
import type { Account } from "../accounts/Account.js"
import type { Registry } from "../accounts/Registry.js"
import { completeCheckoutSession } from "../domain/checkoutSessions.js"
import { createDispute } from "../domain/disputes.js"
import { runDueTransitions } from "../domain/transitions.js"
import { Writer } from "../domain/Writer.js"
import { DUMP_COLLECTIONS, dumpAccount, UnknownExpansion } from "../dump/Dump.js"
import { NO_REQUEST } from "../events/EventLog.js"
import { apiKeyOf, errorReply, unrecognizedUrl, type OutgoingReply } from "../http/Pipeline.js"
import { Router } from "../http/Router.js"
import type { AdminDispatch } from "../http/Server.js"
import { invalidRequest, noSuch, StripeError } from "../http/StripeError.js"
import { MutationRunner } from "../mutator/Mutator.js"
import { jsonDecoder } from "../params/Decode.js"
import { render } from "../store/Render.js"
import { OBJECT_TYPES } from "../store/StripeObject.js"
import { seedAccount } from "../seed/Seeder.js"
import type { AccountStats, ApiKeyInfo, ClockState, KeyState } from "./AdminTypes.js"

/** Exact optional fields: absent means "leave as is", never `undefined`. */
const exact = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

const Share = Schema.Number.pipe(Schema.between(0, 1))
const NonNegative = Schema.Number.pipe(Schema.nonNegative())

const SeedBody = Schema.Struct({
  seed: exact(Schema.Int),
  customers: exact(Schema.Int.pipe(Schema.nonNegative())),
  historyDays: exact(Schema.Int.pipe(Schema.positive())),
  events: exact(Schema.Boolean)
})
const MutateBody = Schema.Struct({
  ratePerSecond: Schema.Number.pipe(Schema.positive()),
  count: exact(Schema.Int.pipe(Schema.positive())),
  durationMs: exact(Schema.Number.pipe(Schema.positive())),
  wait: exact(Schema.Boolean),
  seed: exact(Schema.Int)
})
const AdvanceBody = Schema.Struct({ seconds: Schema.Number.pipe(Schema.nonNegative()) })
const FaultsBody = Schema.Struct({
  errorRate5xx: exact(Share),
  errorStatus: exact(Schema.Literal(500, 502, 503, 504)),
  lockTimeoutRate: exact(Share),
  rateLimitStormMs: exact(NonNegative),
  rateLimitStormShare: exact(Share),
  slowMs: exact(NonNegative),
  eventListingDelayMs: exact(NonNegative),
  eventListingDelayShare: exact(Share),
  eventListingJitter: exact(Schema.Boolean),
  malformedIds: exact(Schema.Array(Schema.String))
})
const RateLimitBody = Schema.Struct({ perSecond: NonNegative })
const CompleteBody = Schema.Struct({ payment_method: exact(Schema.String) })
const DisputeBody = Schema.Struct({ charge: Schema.String })
const Empty = Schema.Struct({})

interface AdminRequest {
  readonly account: Account
  /** The key the request came with: the one the `/_emulator/key` routes act on. */
  readonly apiKey: string
  readonly params: ReadonlyArray<string>
  readonly query: URLSearchParams
  readonly body: unknown
}

type AdminHandler = (request: AdminRequest) => unknown

const withBody =
  <A, I>(schema: Schema.Schema<A, I>, run: (request: AdminRequest, body: A) => unknown): AdminHandler => {
    const decode = jsonDecoder(schema)
    return (request) => run(request, decode(request.body ?? {}))
  }

const clockState = (account: Account): ClockState => ({ now: account.nowSeconds(), offsetSeconds: account.clock.offset })

/**
 * The test controls, outside `/v1`: authenticated with the account's secret key (and scoped by
 * `Stripe-Account` like `/v1`), answering JSON. Never rate limited and never subject to faults.
 */
export const adminDispatch = (registry: Registry, defaultSeed: number): AdminDispatch => {
  const runs = new Map<string, { readonly runner: MutationRunner; readonly accountId: string }>()
  let runSequence = 0
  const runOf = (request: AdminRequest) => {
    const id = request.params[0] ?? ""
    const found = runs.get(id)
    if (found === undefined || found.accountId !== request.account.id) throw noSuch("mutation run", id, "id")
    return found.runner
  }

  const router = new Router<AdminHandler>()
    .add("POST", "/_emulator/seed", withBody(SeedBody, ({ account }, body) => seedAccount(account, body, defaultSeed)))
    .add("POST", "/_emulator/mutations", withBody(MutateBody, async ({ account }, body) => {
      if (body.count === undefined && body.durationMs === undefined) throw invalidRequest("Pass `count` or `durationMs`.", { param: "count" })
      const runner = new MutationRunner(`mut_${++runSequence}`, account, body)
      runs.set(runner.id, { runner, accountId: account.id })
      return body.wait === true ? runner.finished() : runner.view()
    }))
    .add("GET", "/_emulator/mutations/:id", (request) => runOf(request).view())
    .add("DELETE", "/_emulator/mutations/:id", (request) => runOf(request).stop())
    .add("GET", "/_emulator/clock", ({ account }) => clockState(account))
    .add("POST", "/_emulator/clock/advance", withBody(AdvanceBody, ({ account }, body) => {
      // The clock belongs to the key: every account under it lives through the jump.
      const platform = account.platform ?? account
      account.clock.advance(body.seconds)
      runDueTransitions(platform)
      for (const connected of platform.connected.values()) runDueTransitions(connected)
      return clockState(account)
    }))
    .add("GET", "/_emulator/faults", ({ account }) => account.scope.faults.view(Date.now()))
    .add("POST", "/_emulator/faults", withBody(FaultsBody, ({ account }, body) => account.scope.faults.apply(body, Date.now())))
    .add("DELETE", "/_emulator/faults", ({ account }) => account.scope.faults.reset(Date.now()))
    .add("GET", "/_emulator/rate_limit", ({ account }) => ({ perSecond: account.scope.limiter.perSecond }))
    .add("POST", "/_emulator/rate_limit", withBody(RateLimitBody, ({ account }, body) => {
      account.scope.limiter.setPerSecond(body.perSecond)
      return { perSecond: body.perSecond }
    }))
    .add("GET", "/_emulator/dump", ({ account, query }) => {
      try {
        return dumpAccount(account, { includeDeleted: query.get("include_deleted") === "true", expand: query.getAll("expand[]") })
      } catch (error) {
        if (error instanceof UnknownExpansion) throw invalidRequest(error.message, { param: "expand" })
        throw error
      }
    })
    .add("GET", "/_emulator/stats", ({ account }): AccountStats => {
      const counts: Record<string, number> = {}
      for (const type of OBJECT_TYPES) counts[DUMP_COLLECTIONS[type]] = account.store.collection(type).size
      return { accountId: account.id, counts, events: account.events.collection.size, connectedAccounts: [...account.connected.keys()] }
    })
    .add("POST", "/_emulator/keys", withBody(Empty, () => {
      const created = registry.createKey()
      return { apiKey: created.scope.apiKey, accountId: created.id }
    }))
    .add("GET", "/_emulator/key", ({ apiKey }): KeyState => registry.keyState(apiKey))
    .add("POST", "/_emulator/key/revoke", withBody(Empty, ({ apiKey }): KeyState => registry.revoke(apiKey)))
    .add("POST", "/_emulator/key/restore", withBody(Empty, ({ apiKey }): KeyState => registry.restore(apiKey)))
    .add("POST", "/_emulator/key/roll", withBody(Empty, ({ apiKey }): ApiKeyInfo => registry.roll(apiKey)))
    .add("POST", "/_emulator/checkout/sessions/:id/complete", withBody(CompleteBody, ({ account, params }, body) => {
      const session = account.store.get("checkout.session", params[0] ?? "")
      if (session === undefined) throw noSuch("checkout.session", params[0] ?? "", "id")
      completeCheckoutSession(new Writer(account, account.nowSeconds(), NO_REQUEST), session, body.payment_method)
      return render(account.store, "checkout.session", session)
    }))
    .add("POST", "/_emulator/disputes", withBody(DisputeBody, ({ account }, body) => {
      const charge = account.store.get("charge", body.charge)
      if (charge === undefined) throw noSuch("charge", body.charge, "charge", 400)
      if (charge.data.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`, { param: "charge" })
      return render(account.store, "dispute", createDispute(new Writer(account, account.nowSeconds(), NO_REQUEST), charge))
    }))

  return async (incoming): Promise<OutgoingReply> => {
    const headers = {}
    try {
      if (incoming.path === "/_emulator/health") return { status: 200, body: '{"ok":true}', headers }
      const account = authenticate(registry, incoming.authorization, incoming.stripeAccount)
      const match = router.match(incoming.method, incoming.path)
      if (match.kind === "not_found") throw unrecognizedUrl(incoming.method, incoming.path)
      const apiKey = apiKeyOf(incoming.authorization) ?? ""
      const result = await match.handler({ account, apiKey, params: match.params, query: incoming.query, body: incoming.body })
      return { status: 200, body: JSON.stringify(result), headers }
    } catch (error) {
      return errorReply(error, headers)
    }
  }
}

const authenticate = (registry: Registry, authorization: string | undefined, stripeAccount: string | undefined): Account => {
  const key = apiKeyOf(authorization)
  const platform = key === undefined ? undefined : registry.authenticate(key)
  if (platform === undefined) {
    throw new StripeError({ status: 401, type: "authentication_error", message: "The admin API needs `Authorization: Bearer <secret key>` of an emulator account." })
  }
  if (stripeAccount === undefined || stripeAccount === platform.id) return platform
  const connected = platform.connected.get(stripeAccount)
  if (connected === undefined) {
    throw new StripeError({ status: 403, type: "invalid_request_error", code: "account_invalid", message: `No connected account ${stripeAccount} under this key.` })
  }
  return connected
}

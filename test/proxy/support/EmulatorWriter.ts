/**
 * A Stripe writer for the proxy's tests, talking to the Stripe emulator through the
 * official SDK, until the Stripe connector has a writer of its own (`Connection.writer`
 * is absent today). Errors are converted by the connector's own `toUpstreamError`, except
 * that a refused connection is marked as never sent (the connector marks every connection
 * error as sent). Replace with `StripeConnector.make()` once it writes.
 */
import { Errors, StripeConnector } from "@tributary/connector-stripe"
import { Ids, UpstreamErrors } from "@tributary/core"
import type { Connector } from "@tributary/core"
import { Effect, Redacted } from "effect"
import Stripe from "stripe"

/** The connection never opened: the request cannot have reached the API. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ECONNRESET_BEFORE_SEND"])

const toUpstreamError = (error: unknown): UpstreamErrors.UpstreamError => {
  if (error instanceof Stripe.errors.StripeConnectionError) {
    const code = (error.detail as { code?: unknown } | undefined)?.code
    if (typeof code === "string" && NOT_SENT.has(code)) {
      return new UpstreamErrors.UpstreamUnavailable({ source: "stripe", sent: false, detail: `${code}: ${error.message}` })
    }
  }
  return Errors.toUpstreamError(error)
}

const sdk = (options: Connector.ConnectOptions) => {
  const url = new URL(options.apiBaseUrl ?? "https://api.stripe.com")
  return new Stripe(Redacted.value(options.apiKey), {
    host: url.hostname,
    port: url.port,
    protocol: url.protocol === "http:" ? "http" : "https",
    maxNetworkRetries: 0,
    telemetry: false,
    timeout: 10_000
  })
}

const customer = Ids.SourceName.make("stripe")

const writeOne = (stripe: Stripe, op: Connector.WriteOp) =>
  Effect.tryPromise({
    try: async (): Promise<Connector.Observation> => {
      const sentAt = Date.now()
      const params = op.values as Stripe.CustomerCreateParams
      const object = op.action === "insert"
        ? await stripe.customers.create(params, { idempotencyKey: op.idempotencyKey })
        : op.action === "update"
        ? await stripe.customers.update(op.upstreamId!, params, { idempotencyKey: op.idempotencyKey })
        : await stripe.customers.del(op.upstreamId!)
      const now = Date.now()
      const deleted = "deleted" in object && object.deleted === true
      return {
        collection: op.collection,
        upstreamId: object.id,
        deleted,
        data: deleted ? null : (object as unknown as Record<string, unknown>),
        createdAt: deleted ? null : (object as Stripe.Customer).created * 1000,
        version: { from: sentAt, to: now },
        origin: "read"
      }
    },
    catch: toUpstreamError
  })

const unused = Effect.die(new Error("not used by the proxy"))

export const connector: Connector.Connector = {
  source: customer,
  collections: StripeConnector.collections,
  rateLimit: () => ({ requests: 100, windowMs: 1000 }),
  connect: (options) =>
    Effect.sync(() => {
      const stripe = sdk(options)
      return {
        backfill: { plan: () => [], page: () => unused },
        changes: { head: unused, next: () => unused },
        refresh: () => unused,
        writer: {
          batchSize: 1,
          maxRowsPerStatement: 100,
          write: (ops) => Effect.forEach(ops, (op) => writeOne(stripe, op))
        }
      }
    })
}

/**
 * Upcoming invoices are virtual: `POST /v1/invoices/create_preview` computes one for a
 * subscription, it is never listed and its `upcoming_in_…` id is not stable. They are
 * published as `stripe:upcoming_invoice`, keyed by the subscription they preview.
 */
import type { Connector } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import type { StripeJson } from "./internal/Objects.js"
import { createdAt, isRecord } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"

/**
 * Subscriptions that will never invoice again. Every other one is previewed, `incomplete` and
 * `paused` ones too: what Stripe answers decides, in the backfill as on a refresh after an
 * event, so both reach the same records.
 */
const ENDED = new Set(["canceled", "incomplete_expired"])

export const hasUpcomingInvoice = (subscription: StripeJson): boolean =>
  typeof subscription.status === "string" && !ENDED.has(subscription.status)

/**
 * The preview for one subscription. Stripe refuses a preview for a subscription that will
 * not invoice again: during a backfill that means "no record" (`skip`); on a refresh it
 * means the record that was there is gone (`vanish`).
 */
export const preview = (
  client: Client,
  subscription: string,
  whenRefused: "skip" | "vanish"
): Effect.Effect<Connector.Observed, Connector.Refusal> => {
  const sentAt = client.clock.now()
  return client.call(`preview the upcoming invoice of ${subscription}`, (stripe) =>
    stripe.invoices.createPreview({ subscription })).pipe(
      Effect.map(({ value, version }): Connector.Observed => {
        if (!isRecord(value)) {
          return { observations: [], malformed: [Observe.malformed(Catalog.ids.upcomingInvoice, { id: subscription }, "not a JSON object")] }
        }
        const { lastResponse: _response, ...data } = value
        return {
          observations: [{
            collection: Catalog.ids.upcomingInvoice,
            upstreamId: subscription,
            deleted: false,
            data,
            createdAt: createdAt(data),
            version,
            origin: "read"
          }],
          malformed: []
        }
      }),
      Effect.catchTag("UpstreamRejected", () =>
        Effect.succeed<Connector.Observed>(
          whenRefused === "skip"
            ? Observe.EMPTY
            : {
              observations: [Observe.vanished(Catalog.ids.upcomingInvoice, subscription, { from: sentAt, to: client.clock.now() })],
              malformed: []
            }
        ))
    )
}

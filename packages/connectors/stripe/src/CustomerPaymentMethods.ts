/**
 * Payment methods are listed per customer. Stripe's account-level `GET /v1/payment_methods`
 * is "for Treasury flows": it never shows a method a customer holds, so a backfill that only
 * listed it would miss nearly every card. This work item pages through the customers and
 * lists each one's methods in full (`GET /v1/customers/{id}/payment_methods`); the
 * account-level list stays a work item of its own for the methods no customer holds.
 */
import type { Connector } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import { idOf, isStripeObject } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"

const PAGE = 100

/** Every payment method one customer holds, page by page; the version spans the pages. */
export const ofCustomer = (client: Client, customer: string): Effect.Effect<Connector.Observed, Connector.Refusal> =>
  Effect.gen(function*() {
    const parts: Array<Connector.Observed> = []
    let after: string | undefined
    for (;;) {
      const { value, version } = yield* client.call(`list the payment methods of ${customer}`, (stripe) =>
        stripe.customers.listPaymentMethods(customer, after === undefined ? { limit: PAGE } : { limit: PAGE, starting_after: after }))
      const { objects, malformed } = Observe.partition(Catalog.ids.paymentMethod, value.data)
      parts.push({ observations: objects.map((method) => Observe.read(Catalog.ids.paymentMethod, method, version)), malformed })
      const last = [...value.data].reverse().map(idOf).find((id) => id !== null)
      if (!value.has_more || last === undefined) return Observe.concat(parts)
      after = last
    }
  }).pipe(
    // A customer deleted between its listing and this request holds nothing any more.
    Effect.catchTag("UpstreamRejected", (refusal) => refusal.status === 404 ? Effect.succeed(Observe.EMPTY) : Effect.fail(refusal))
  )

export const isCustomer = (object: unknown): object is { readonly id: string } =>
  isStripeObject(object) && object.object === "customer"

/**
 * The write side of the Stripe connector, for the proxy: one API request per row, sent with
 * the row's idempotency key, answered with the object as Stripe left it. Stripe writes
 * different objects in different ways, so each collection says what it can do; anything
 * else is refused before a request is made, with what to do instead.
 */
import type { Collection, Connector } from "@tributary/core"
import { UpstreamErrors } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import { isRecord, isStripeObject } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"
import * as Nested from "./Nested.js"

/** Stripe takes one object per request, and the proxy refuses statements past 100 rows. */
export const BATCH_SIZE = 1
export const MAX_ROWS_PER_STATEMENT = 100

interface Writable {
  /** The collection's endpoint: `POST path` creates, `POST path/:id` updates. */
  readonly path: string
  readonly create: boolean
  /**
   * What an SQL DELETE does: `DELETE path/:id` where Stripe deletes (a subscription's
   * DELETE is its cancellation, as in Stripe's own API), else refused with the hint.
   */
  readonly remove: { readonly kind: "delete" } | { readonly kind: "refused"; readonly hint: string }
  /** Expansions the sync reads the object with, so the written row has the same shape. */
  readonly expand?: ReadonlyArray<string>
}

const deletes = { kind: "delete" } as const
const refused = (hint: string) => ({ kind: "refused", hint }) as const

const ids = Catalog.ids

const WRITABLE: ReadonlyMap<Collection.CollectionId, Writable> = new Map<Collection.CollectionId, Writable>([
  [ids.customer, { path: "/v1/customers", create: true, remove: deletes }],
  [ids.product, { path: "/v1/products", create: true, remove: deletes }],
  [ids.price, { path: "/v1/prices", create: true, remove: refused("Stripe never deletes a price: set active = false instead.") }],
  [ids.plan, { path: "/v1/plans", create: true, remove: deletes }],
  [ids.coupon, { path: "/v1/coupons", create: true, remove: deletes }],
  [ids.taxRate, { path: "/v1/tax_rates", create: true, remove: refused("Stripe never deletes a tax rate: set active = false instead.") }],
  [ids.subscription, { path: "/v1/subscriptions", create: true, remove: deletes }],
  [ids.subscriptionItem, { path: "/v1/subscription_items", create: true, remove: deletes }],
  [ids.invoice, { path: "/v1/invoices", create: true, remove: deletes }],
  [ids.invoiceItem, { path: "/v1/invoiceitems", create: true, remove: deletes }],
  [ids.charge, {
    path: "/v1/charges",
    create: true,
    remove: refused("Stripe never deletes a charge: refund it with an INSERT into refunds."),
    expand: ["refunds"]
  }],
  [ids.refund, { path: "/v1/refunds", create: true, remove: refused("Stripe never deletes a refund: cancel it through the API.") }],
  [ids.paymentIntent, { path: "/v1/payment_intents", create: true, remove: refused("Stripe never deletes a payment intent: cancel it through the API.") }],
  [ids.setupIntent, { path: "/v1/setup_intents", create: true, remove: refused("Stripe never deletes a setup intent: cancel it through the API.") }],
  [ids.paymentMethod, { path: "/v1/payment_methods", create: true, remove: refused("Stripe never deletes a payment method: detach it through the API.") }],
  [ids.dispute, { path: "/v1/disputes", create: false, remove: refused("Stripe never deletes a dispute: close it through the API.") }],
  [ids.payout, { path: "/v1/payouts", create: true, remove: refused("Stripe never deletes a payout: cancel it through the API.") }],
  [ids.creditNote, { path: "/v1/credit_notes", create: true, remove: refused("Stripe never deletes a credit note: void it through the API.") }],
  [ids.checkoutSession, {
    path: "/v1/checkout/sessions",
    create: true,
    remove: refused("Stripe never deletes a checkout session: expire it through the API."),
    expand: ["line_items"]
  }]
])

/** Why a collection is not writable at all, by what it is. */
const READ_ONLY_HINTS: ReadonlyMap<Collection.CollectionId, string> = new Map([
  [ids.balanceTransaction, "Stripe creates balance transactions itself; they never change."],
  [ids.invoiceLineItem, "Invoice lines change with their invoice: write the invoice or its invoice items."],
  [ids.creditNoteLineItem, "Credit note lines are set when the credit note is created."],
  [ids.checkoutSessionLineItem, "Checkout line items are set when the session is created."],
  [ids.upcomingInvoice, "An upcoming invoice is Stripe's preview of a subscription's next invoice: change the subscription."]
])

/**
 * Fields of the typed columns (`packages/tables`' Stripe catalog) that Stripe computes and
 * no create or update takes: a write that sets one is refused before it is sent.
 */
const COMPUTED: ReadonlyMap<Collection.CollectionId, ReadonlySet<string>> = new Map([
  [ids.customer, new Set(["delinquent", "currency"])],
  [ids.price, new Set(["type"])],
  [ids.coupon, new Set(["valid"])],
  [ids.subscription, new Set(["status", "latest_invoice", "canceled_at", "start_date"])],
  [ids.invoice, new Set(["status", "amount_due", "amount_paid", "amount_remaining", "total"])],
  [ids.charge, new Set(["payment_intent", "invoice", "balance_transaction", "amount_refunded", "status", "paid", "refunded"])],
  [ids.refund, new Set(["balance_transaction", "status", "currency"])],
  [ids.paymentIntent, new Set(["invoice", "latest_charge", "amount_received", "status"])],
  [ids.setupIntent, new Set(["status"])],
  [ids.dispute, new Set(["charge", "payment_intent", "amount", "currency", "status", "reason"])],
  [ids.payout, new Set(["balance_transaction", "status", "arrival_date"])],
  [ids.creditNote, new Set(["customer", "currency", "status", "number"])],
  [ids.checkoutSession, new Set(["subscription", "payment_intent", "invoice", "status", "payment_status", "amount_total", "customer_details.email"])]
])

export const computes = (collection: Collection.CollectionId, field: string): boolean =>
  COMPUTED.get(collection)?.has(field) === true

export const refuses = (collection: Collection.CollectionId, action: Connector.WriteOp["action"]): Connector.WriteRefusal | undefined => {
  const writable = WRITABLE.get(collection)
  if (writable === undefined) {
    return {
      message: `Stripe cannot ${action} ${collection} objects through the API`,
      hint: READ_ONLY_HINTS.get(collection) ?? "This collection is read-only."
    }
  }
  if (action === "insert" && !writable.create) {
    return { message: `Stripe cannot create ${collection} objects`, hint: "Stripe creates them itself; update them instead." }
  }
  if (action === "delete" && writable.remove.kind === "refused") {
    return { message: `Stripe cannot delete ${collection} objects`, hint: writable.remove.hint }
  }
  return undefined
}

/** The request a row becomes: method, path and form parameters (the SDK encodes them). */
const requestOf = (writable: Writable, op: Connector.WriteOp) => {
  const expand = writable.expand === undefined ? {} : { expand: [...writable.expand] }
  const id = encodeURIComponent(op.upstreamId ?? "")
  switch (op.action) {
    case "insert":
      return { method: "POST", path: writable.path, params: { ...op.values, ...expand } }
    case "update":
      return { method: "POST", path: `${writable.path}/${id}`, params: { ...op.values, ...expand } }
    case "delete":
      // DELETE carries no body; Stripe's answer is the deleted stub (or the canceled subscription).
      return { method: "DELETE", path: `${writable.path}/${id}`, params: undefined }
  }
}

const writeOne = (client: Client, op: Connector.WriteOp): Effect.Effect<Connector.Observation, Connector.Refusal> => {
  const writable = WRITABLE.get(op.collection)
  const entry = Catalog.entry(op.collection)
  const refusal = refuses(op.collection, op.action)
  if (writable === undefined || entry === undefined || refusal !== undefined) {
    return Effect.fail(new UpstreamErrors.UpstreamRejected({
      source: Catalog.SOURCE,
      status: 400,
      code: "unsupported",
      detail: refusal?.message ?? `Stripe cannot write ${op.collection} objects`
    }))
  }
  const { method, path, params } = requestOf(writable, op)
  return client.call(`${op.action} ${op.collection}`, (stripe): Promise<Catalog.ObjectResponse> =>
    stripe.rawRequest(method, path, params, { idempotencyKey: op.idempotencyKey })
  ).pipe(
    Effect.flatMap(({ value, version }): Effect.Effect<Connector.Observation, Connector.Refusal> => {
      if (isRecord(value) && value.deleted === true) {
        return Effect.succeed(Observe.vanished(entry.id, op.upstreamId ?? String(value.id), version))
      }
      if (!isStripeObject(value)) {
        return Effect.fail(new UpstreamErrors.UpstreamRejected({
          source: Catalog.SOURCE,
          status: 502,
          detail: `Stripe answered the ${op.action} with something that is not a Stripe object`
        }))
      }
      const { lastResponse: _response, ...object } = value
      // The row holds whole nested lists, as the sync writes them (`invoice.lines` past 10 items).
      return Effect.map(
        Nested.complete(client, entry, { ...object, id: value.id, object: value.object }, version),
        (done) => Observe.read(entry.id, done.object, done.version)
      )
    })
  )
}

export const make = (client: Client): Connector.Writer => ({
  batchSize: BATCH_SIZE,
  maxRowsPerStatement: MAX_ROWS_PER_STATEMENT,
  refuses,
  // One request per row, in order: a later row may depend on an earlier one (a price on its product).
  write: (ops) => Effect.forEach(ops, (op) => writeOne(client, op))
})

/**
 * Every Stripe collection Tributary mirrors: how it is listed, read back and nested.
 * Names are the team's (`stripe:invoice_line_item`); `objectType` is Stripe's `object`
 * field, which is how an event's payload names its collection.
 */
import { Collection } from "@tributary/core"
import type { Collection as CollectionTypes } from "@tributary/core"
import type Stripe from "stripe"

export interface PageParams {
  readonly limit: number
  readonly starting_after?: string
  /** Only objects created before this (unix seconds). */
  readonly created_before?: number
}

export interface ListResponse {
  readonly data: ReadonlyArray<unknown>
  readonly has_more: boolean
  readonly lastResponse?: { readonly headers: Readonly<Record<string, string>> }
}

export interface ObjectResponse {
  readonly lastResponse?: { readonly headers: Readonly<Record<string, string>> }
}

type List = (stripe: Stripe, page: PageParams) => Promise<ListResponse>
type ListChildren = (stripe: Stripe, parentId: string, page: PageParams) => Promise<ListResponse>
type Retrieve = (stripe: Stripe, id: string) => Promise<ObjectResponse>

/** A list inside an object (`invoice.lines`) that Stripe returns one page of. */
export interface Nested {
  readonly field: string
  /** The collection its items are published to, when they are records of their own. */
  readonly child?: CollectionTypes.CollectionId
  /** Whether the list appears only when expanded (`charge.refunds`, checkout `line_items`). */
  readonly expand: boolean
  readonly more: ListChildren
}

export interface Entry {
  readonly id: CollectionTypes.CollectionId
  /** Stripe's `object` value for this collection's objects. */
  readonly objectType: string
  /** How the collection is paged on its own; absent for children and virtual objects. */
  readonly list?: List
  /** Whether the list takes a `created` filter (for the backfill's progress estimate). */
  readonly filtersCreated?: boolean
  readonly retrieve?: Retrieve
  readonly nested?: Nested
}

export const SOURCE = "stripe"
const id = (object: string) => Collection.make(SOURCE, object)

export const ids = {
  customer: id("customer"),
  product: id("product"),
  price: id("price"),
  plan: id("plan"),
  coupon: id("coupon"),
  subscription: id("subscription"),
  subscriptionItem: id("subscription_item"),
  invoice: id("invoice"),
  invoiceLineItem: id("invoice_line_item"),
  invoiceItem: id("invoiceitem"),
  charge: id("charge"),
  refund: id("refund"),
  paymentIntent: id("payment_intent"),
  setupIntent: id("setup_intent"),
  paymentMethod: id("payment_method"),
  dispute: id("dispute"),
  payout: id("payout"),
  balanceTransaction: id("balance_transaction"),
  taxRate: id("tax_rate"),
  creditNote: id("credit_note"),
  creditNoteLineItem: id("credit_note_line_item"),
  checkoutSession: id("checkout_session"),
  checkoutSessionLineItem: id("checkout_session_line_item"),
  upcomingInvoice: id("upcoming_invoice")
} as const

const after = (page: PageParams) => ({
  limit: page.limit,
  ...(page.starting_after === undefined ? {} : { starting_after: page.starting_after }),
  ...(page.created_before === undefined ? {} : { created: { lt: page.created_before } })
})

export const entries: ReadonlyArray<Entry> = [
  {
    id: ids.customer,
    objectType: "customer",
    list: (s, p) => s.customers.list(after(p)),
    filtersCreated: true,
    retrieve: (s, i) => s.customers.retrieve(i)
  },
  { id: ids.product, objectType: "product", list: (s, p) => s.products.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.products.retrieve(i) },
  { id: ids.price, objectType: "price", list: (s, p) => s.prices.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.prices.retrieve(i) },
  { id: ids.plan, objectType: "plan", list: (s, p) => s.plans.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.plans.retrieve(i) },
  { id: ids.coupon, objectType: "coupon", list: (s, p) => s.coupons.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.coupons.retrieve(i) },
  { id: ids.taxRate, objectType: "tax_rate", list: (s, p) => s.taxRates.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.taxRates.retrieve(i) },
  {
    id: ids.subscription,
    objectType: "subscription",
    // Canceled subscriptions are records too; Stripe hides them unless asked.
    list: (s, p) => s.subscriptions.list({ ...after(p), status: "all" }),
    filtersCreated: true,
    retrieve: (s, i) => s.subscriptions.retrieve(i),
    nested: {
      field: "items",
      child: ids.subscriptionItem,
      expand: false,
      more: (s, parent, p) => s.subscriptionItems.list({ ...after(p), subscription: parent })
    }
  },
  {
    id: ids.subscriptionItem,
    objectType: "subscription_item",
    retrieve: (s, i) => s.subscriptionItems.retrieve(i)
  },
  {
    id: ids.invoice,
    objectType: "invoice",
    list: (s, p) => s.invoices.list(after(p)),
    filtersCreated: true,
    retrieve: (s, i) => s.invoices.retrieve(i),
    nested: {
      field: "lines",
      child: ids.invoiceLineItem,
      expand: false,
      more: (s, parent, p) => s.invoices.listLineItems(parent, after(p))
    }
  },
  { id: ids.invoiceLineItem, objectType: "line_item" },
  {
    id: ids.invoiceItem,
    objectType: "invoiceitem",
    list: (s, p) => s.invoiceItems.list(after(p)),
    filtersCreated: true,
    retrieve: (s, i) => s.invoiceItems.retrieve(i)
  },
  {
    id: ids.charge,
    objectType: "charge",
    list: (s, p) => s.charges.list({ ...after(p), expand: ["data.refunds"] }),
    filtersCreated: true,
    retrieve: (s, i) => s.charges.retrieve(i, { expand: ["refunds"] }),
    nested: {
      field: "refunds",
      expand: true,
      more: (s, parent, p) => s.refunds.list({ ...after(p), charge: parent })
    }
  },
  { id: ids.refund, objectType: "refund", list: (s, p) => s.refunds.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.refunds.retrieve(i) },
  {
    id: ids.paymentIntent,
    objectType: "payment_intent",
    list: (s, p) => s.paymentIntents.list(after(p)),
    filtersCreated: true,
    retrieve: (s, i) => s.paymentIntents.retrieve(i)
  },
  {
    id: ids.setupIntent,
    objectType: "setup_intent",
    list: (s, p) => s.setupIntents.list(after(p)),
    filtersCreated: true,
    retrieve: (s, i) => s.setupIntents.retrieve(i)
  },
  // `/v1/payment_methods` lists only the methods no customer holds (Stripe: "for Treasury
  // flows"); customers' methods are a work item of their own (CustomerPaymentMethods.ts).
  {
    id: ids.paymentMethod,
    objectType: "payment_method",
    // Payment methods cannot be filtered by `created`.
    list: (s, p) => s.paymentMethods.list({ limit: p.limit, ...(p.starting_after === undefined ? {} : { starting_after: p.starting_after }) }),
    retrieve: (s, i) => s.paymentMethods.retrieve(i)
  },
  { id: ids.dispute, objectType: "dispute", list: (s, p) => s.disputes.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.disputes.retrieve(i) },
  { id: ids.payout, objectType: "payout", list: (s, p) => s.payouts.list(after(p)), filtersCreated: true, retrieve: (s, i) => s.payouts.retrieve(i) },
  {
    id: ids.balanceTransaction,
    objectType: "balance_transaction",
    list: (s, p) => s.balanceTransactions.list(after(p)),
    filtersCreated: true,
    retrieve: (s, i) => s.balanceTransactions.retrieve(i)
  },
  {
    id: ids.creditNote,
    objectType: "credit_note",
    list: (s, p) => s.creditNotes.list(after(p)),
    filtersCreated: true,
    retrieve: (s, i) => s.creditNotes.retrieve(i),
    nested: {
      field: "lines",
      child: ids.creditNoteLineItem,
      expand: false,
      more: (s, parent, p) => s.creditNotes.listLineItems(parent, after(p))
    }
  },
  { id: ids.creditNoteLineItem, objectType: "credit_note_line_item" },
  {
    id: ids.checkoutSession,
    objectType: "checkout.session",
    list: (s, p) => s.checkout.sessions.list({ ...after(p), expand: ["data.line_items"] }),
    filtersCreated: true,
    retrieve: (s, i) => s.checkout.sessions.retrieve(i, { expand: ["line_items"] }),
    nested: {
      field: "line_items",
      child: ids.checkoutSessionLineItem,
      expand: true,
      more: (s, parent, p) => s.checkout.sessions.listLineItems(parent, after(p))
    }
  },
  { id: ids.checkoutSessionLineItem, objectType: "item" },
  // Virtual: one preview per live subscription, keyed by the subscription (see Upcoming.ts).
  { id: ids.upcomingInvoice, objectType: "invoice" }
]

const byId = new Map(entries.map((entry) => [entry.id, entry]))

export const entry = (collection: CollectionTypes.CollectionId): Entry | undefined => byId.get(collection)

/** The collection of a top-level object, from its `object` field (children and virtual objects excluded). */
const byObjectType = new Map(
  entries.filter((e) => e.id !== ids.upcomingInvoice).map((e) => [e.objectType, e])
)

export const entryForObject = (objectType: string): Entry | undefined => byObjectType.get(objectType)

/** The parent collection whose nested list holds this child collection. */
export const parentOf = (child: CollectionTypes.CollectionId): Entry | undefined =>
  entries.find((e) => e.nested?.child === child)

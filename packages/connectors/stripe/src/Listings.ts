/**
 * Backfill work items. Most collections are one listing each, paged newest first with
 * `starting_after`; a listing with nested lists also fills the children's collections.
 * Payment methods are listed per customer and upcoming invoices per subscription, so those
 * work items page through the parents and fetch the children of each page of parents.
 */
import type { Collection, Connector } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import { idOf, isRecord, isStripeObject } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"
import * as Nested from "./Nested.js"
import * as Upcoming from "./Upcoming.js"

const PAGE = 100
/** Parents whose children are fetched at once; every request still waits for the budget. */
const CHILD_CONCURRENCY = 8

interface ListCursor {
  readonly after: string
}

const cursorOf = (cursor: Connector.Json | null): ListCursor | undefined =>
  isRecord(cursor) && typeof cursor.after === "string"
    ? { after: cursor.after }
    : undefined

const paramsAfter = (cursor: ListCursor | undefined) =>
  cursor === undefined ? { limit: PAGE } : { limit: PAGE, starting_after: cursor.after }

const PAYMENT_METHODS = "stripe:payment_method"
const UPCOMING_INVOICES = "stripe:upcoming_invoice"

export const plan = (collections: ReadonlyArray<Collection.CollectionId>): ReadonlyArray<Connector.WorkItem> => {
  const wanted = new Set(collections)
  const items: Array<Connector.WorkItem> = []
  for (const entry of Catalog.entries) {
    if (entry.list === undefined) continue
    const filled = entry.nested?.child === undefined ? [entry.id] : [entry.id, entry.nested.child]
    if (filled.some((c) => wanted.has(c))) items.push({ key: entry.id, collections: filled })
  }
  if (wanted.has(Catalog.ids.paymentMethod)) items.push({ key: PAYMENT_METHODS, collections: [Catalog.ids.paymentMethod] })
  if (wanted.has(Catalog.ids.upcomingInvoice)) items.push({ key: UPCOMING_INVOICES, collections: [Catalog.ids.upcomingInvoice] })
  return items
}

/** One page of a parent listing: the raw items, where the next page starts, and when it was read. */
const listPage = (client: Client, entry: Catalog.Entry, list: NonNullable<Catalog.Entry["list"]>, cursor: ListCursor | undefined) =>
  Effect.map(
    client.call(`list ${entry.id}`, (stripe) => list(stripe, paramsAfter(cursor))),
    ({ value, version }) => {
      const lastId = [...value.data].reverse().map(idOf).find((id) => id !== null)
      const next: Connector.Json | null = value.has_more && lastId !== undefined ? { after: lastId } : null
      return { items: value.data, next, version }
    }
  )

const listingPage = (client: Client, entry: Catalog.Entry, cursor: ListCursor | undefined) =>
  Effect.gen(function*() {
    if (entry.list === undefined) return yield* Effect.dieMessage(`${entry.id} is not listed on its own`)
    const page = yield* listPage(client, entry, entry.list, cursor)
    const { objects, malformed } = Observe.partition(entry.id, page.items)
    const observed = yield* Effect.forEach(
      objects,
      (object) => Nested.observeRead(client, entry, object, page.version),
      { concurrency: CHILD_CONCURRENCY }
    )
    const all = Observe.concat([{ observations: [], malformed }, ...observed])
    return { ...all, next: page.next } satisfies Connector.Page
  })

/** A listed collection's entry; the catalogue is static, so a missing one is a bug. */
const listed = (collection: Collection.CollectionId) => {
  const entry = Catalog.entry(collection)
  if (entry?.list === undefined) throw new Error(`${collection} is not listed on its own`)
  return { entry, list: entry.list }
}
const customers = listed(Catalog.ids.customer)
const subscriptions = listed(Catalog.ids.subscription)

const paymentMethodsPage = (client: Client, cursor: ListCursor | undefined) =>
  Effect.gen(function*() {
    const page = yield* listPage(client, customers.entry, customers.list, cursor)
    const parents = page.items.filter(isStripeObject)
    const observed = yield* Effect.forEach(parents, (customer) => paymentMethodsOf(client, customer.id), {
      concurrency: CHILD_CONCURRENCY
    })
    return { ...Observe.concat(observed), next: page.next } satisfies Connector.Page
  })

/** Every payment method attached to one customer (`/v1/payment_methods?customer=`). */
export const paymentMethodsOf = (client: Client, customer: string) =>
  Effect.gen(function*() {
    const parts: Array<Connector.Observed> = []
    let after: string | undefined
    for (;;) {
      const { value, version } = yield* client.call(`list payment methods of ${customer}`, (stripe) =>
        stripe.paymentMethods.list({ customer, limit: PAGE, ...(after === undefined ? {} : { starting_after: after }) }))
      const { objects, malformed } = Observe.partition(Catalog.ids.paymentMethod, value.data)
      parts.push({ observations: objects.map((o) => Observe.read(Catalog.ids.paymentMethod, o, version)), malformed })
      const last = objects[objects.length - 1]
      if (!value.has_more || last === undefined) return Observe.concat(parts)
      after = last.id
    }
  })

const upcomingInvoicesPage = (client: Client, cursor: ListCursor | undefined) =>
  Effect.gen(function*() {
    const page = yield* listPage(client, subscriptions.entry, subscriptions.list, cursor)
    const live = page.items.filter(isStripeObject).filter(Upcoming.hasUpcomingInvoice)
    const observed = yield* Effect.forEach(live, (subscription) => Upcoming.preview(client, subscription.id, "skip"), {
      concurrency: CHILD_CONCURRENCY
    })
    return { ...Observe.concat(observed), next: page.next } satisfies Connector.Page
  })

export const page = (client: Client) => (item: Connector.WorkItem, cursor: Connector.Json | null) => {
  const at = cursorOf(cursor)
  if (item.key === PAYMENT_METHODS) return paymentMethodsPage(client, at)
  if (item.key === UPCOMING_INVOICES) return upcomingInvoicesPage(client, at)
  const entry = Catalog.entries.find((e) => e.id === item.key)
  if (entry === undefined) return Effect.dieMessage(`unknown Stripe work item ${item.key}`)
  return listingPage(client, entry, at)
}

/**
 * Backfill work items. Every collection is one listing, paged newest first with
 * `starting_after`; a listing with nested lists also fills the children's collections.
 * Upcoming invoices are previewed per subscription, so that work item pages through the
 * subscriptions and previews each live one; customers' payment methods are listed per
 * customer in the same way (see CustomerPaymentMethods.ts).
 */
import type { Collection, Connector } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import * as CustomerPaymentMethods from "./CustomerPaymentMethods.js"
import { idOf, isRecord, isStripeObject, type StripeObject } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"
import * as Nested from "./Nested.js"
import * as Upcoming from "./Upcoming.js"

const PAGE = 100
/** Parents whose children are fetched at once; every request still waits for the budget. */
const CHILD_CONCURRENCY = 16
/**
 * Parents per page of a work item that reads something per parent. Such a page costs a request
 * per parent, not one, and only a page tells how far the item is (and is checkpointed): in
 * pages of 100, an account with fewer than 100 customers had its customers' payment methods in
 * one page, with no ETA until they were all read. Two rounds of `CHILD_CONCURRENCY` reads; the
 * list requests are a thirty-second of the reads.
 */
const PARENT_PAGE = 2 * CHILD_CONCURRENCY

interface ListCursor {
  readonly after: string
  /** `created` of the newest object when the backfill began, and of the oldest (estimated): for progress. */
  readonly top?: number
  readonly floor?: number
}

const cursorOf = (cursor: Connector.Json | null): ListCursor | undefined =>
  isRecord(cursor) && typeof cursor.after === "string"
    ? {
      after: cursor.after,
      ...(typeof cursor.top === "number" ? { top: cursor.top } : {}),
      ...(typeof cursor.floor === "number" ? { floor: cursor.floor } : {})
    }
    : undefined

const DAY = 86_400
/** Give up looking for the oldest object this far back. */
const MAX_SPAN = 30 * 365 * DAY

/**
 * When the oldest object of a list was created, to a day: lists go newest first and have no
 * total, so progress through a backfill is measured in `created` time. Doubling steps back,
 * then halving, costs a couple dozen one-object requests per large collection.
 */
const oldestCreated = (client: Client, entry: Catalog.Entry, list: NonNullable<Catalog.Entry["list"]>, top: number) =>
  Effect.gen(function*() {
    const anyBefore = (before: number) =>
      Effect.map(
        client.call(`probe ${entry.id} created before ${before}`, (stripe) => list(stripe, { limit: 1, created_before: before })),
        ({ value }) => value.data.length > 0
      )
    let span = DAY
    while (span < MAX_SPAN && (yield* anyBefore(top - span))) span *= 2
    let low = top - span
    let high = top - span / 2
    while (high - low > DAY) {
      const middle = Math.floor((low + high) / 2)
      if (yield* anyBefore(middle)) high = middle
      else low = middle
    }
    return low
  })

const createdOf = (item: unknown): number | undefined =>
  isRecord(item) && typeof item.created === "number" ? item.created : undefined

const progressOf = (top: number | undefined, floor: number | undefined, items: ReadonlyArray<unknown>): number | undefined => {
  const last = createdOf(items[items.length - 1])
  if (top === undefined || floor === undefined || last === undefined || top <= floor) return undefined
  return Math.min(1, Math.max(0, (top - last) / (top - floor)))
}

const paramsAfter = (cursor: ListCursor | undefined, limit: number) =>
  cursor === undefined ? { limit } : { limit, starting_after: cursor.after }

const UPCOMING_INVOICES = "stripe:upcoming_invoice"
const PAYMENT_METHODS_OF_CUSTOMERS = "stripe:payment_method:of_customers"

export const plan = (collections: ReadonlyArray<Collection.CollectionId>): ReadonlyArray<Connector.WorkItem> => {
  const wanted = new Set(collections)
  const items: Array<Connector.WorkItem> = []
  for (const entry of Catalog.entries) {
    if (entry.list === undefined) continue
    const filled = entry.nested?.child === undefined ? [entry.id] : [entry.id, entry.nested.child]
    if (filled.some((c) => wanted.has(c))) items.push({ key: entry.id, collections: filled })
  }
  if (wanted.has(Catalog.ids.upcomingInvoice)) items.push({ key: UPCOMING_INVOICES, collections: [Catalog.ids.upcomingInvoice] })
  if (wanted.has(Catalog.ids.paymentMethod)) items.push({ key: PAYMENT_METHODS_OF_CUSTOMERS, collections: [Catalog.ids.paymentMethod] })
  return items
}

/** One page of a parent listing: the raw items, where the next page starts, how far that is, and when it was read. */
const listPage = (
  client: Client,
  entry: Catalog.Entry,
  list: NonNullable<Catalog.Entry["list"]>,
  cursor: ListCursor | undefined,
  limit: number = PAGE
) =>
  Effect.gen(function*() {
    const { value, version } = yield* client.call(`list ${entry.id}`, (stripe) => list(stripe, paramsAfter(cursor, limit)))
    const top = cursor?.top ?? createdOf(value.data[0])
    const floor = cursor?.floor ??
      (cursor === undefined && value.has_more && top !== undefined && entry.filtersCreated === true
        ? yield* oldestCreated(client, entry, list, top)
        : undefined)
    const lastId = [...value.data].reverse().map(idOf).find((id) => id !== null)
    const next: Connector.Json | null = value.has_more && lastId !== undefined
      ? { after: lastId, ...(top === undefined ? {} : { top }), ...(floor === undefined ? {} : { floor }) }
      : null
    const progress = next === null ? 1 : progressOf(top, floor, value.data)
    return { items: value.data, next, version, progress }
  })

const listingPage = (client: Client, entry: Catalog.Entry, cursor: ListCursor | undefined) =>
  Effect.gen(function*() {
    if (entry.list === undefined) return yield* Effect.dieMessage(`${entry.id} is not listed on its own`)
    const page = yield* listPage(client, entry, entry.list, cursor)
    const { objects, malformed } = Observe.partition(entry.id, page.items)
    // Objects whose nested list is complete are observed at once; the others page through
    // the rest of their list, a few at a time. Either way in the order listed.
    const observed = objects.map((object) =>
      Nested.isComplete(entry, object) ? Nested.observeComplete(entry, object, page.version) : undefined
    )
    const incomplete = objects.flatMap((object, index) => observed[index] === undefined ? [{ object, index }] : [])
    yield* Effect.forEach(
      incomplete,
      ({ object, index }) =>
        Effect.map(Nested.observeRead(client, entry, object, page.version), (read) => {
          observed[index] = read
        }),
      { concurrency: CHILD_CONCURRENCY, discard: true }
    )
    const all = Observe.concat([{ observations: [], malformed }, ...observed.flatMap((o) => o === undefined ? [] : [o])])
    return { ...all, next: page.next, ...(page.progress === undefined ? {} : { progress: page.progress }) } satisfies Connector.Page
  })

/** A listed collection's entry; the catalogue is static, so a missing one is a bug. */
const listed = (collection: Collection.CollectionId) => {
  const entry = Catalog.entry(collection)
  if (entry?.list === undefined) throw new Error(`${collection} is not listed on its own`)
  return { entry, list: entry.list }
}
const subscriptions = listed(Catalog.ids.subscription)
const customers = listed(Catalog.ids.customer)

/**
 * A page of parents, and for each parent that `wanted` keeps, what `read` finds for it (a few
 * parents at a time): upcoming invoices per subscription, payment methods per customer.
 */
const perParentPage = <P extends { readonly id: string }>(
  client: Client,
  parents: ReturnType<typeof listed>,
  wanted: (item: unknown) => item is P,
  read: (parent: P) => Effect.Effect<Connector.Observed, Connector.Refusal>
) =>
(cursor: ListCursor | undefined) =>
  Effect.gen(function*() {
    const page = yield* listPage(client, parents.entry, parents.list, cursor, PARENT_PAGE)
    const observed = yield* Effect.forEach(page.items.filter(wanted), read, { concurrency: CHILD_CONCURRENCY })
    return {
      ...Observe.concat(observed),
      next: page.next,
      ...(page.progress === undefined ? {} : { progress: page.progress })
    } satisfies Connector.Page
  })

const isInvoicingSubscription = (item: unknown): item is StripeObject => isStripeObject(item) && Upcoming.hasUpcomingInvoice(item)

const upcomingInvoicesPage = (client: Client) =>
  perParentPage(client, subscriptions, isInvoicingSubscription, (subscription) => Upcoming.preview(client, subscription.id, "skip"))

const paymentMethodsOfCustomersPage = (client: Client) =>
  perParentPage(client, customers, CustomerPaymentMethods.isCustomer, (customer) => CustomerPaymentMethods.ofCustomer(client, customer.id))

export const page = (client: Client) => (item: Connector.WorkItem, cursor: Connector.Json | null) => {
  const at = cursorOf(cursor)
  if (item.key === UPCOMING_INVOICES) return upcomingInvoicesPage(client)(at)
  if (item.key === PAYMENT_METHODS_OF_CUSTOMERS) return paymentMethodsOfCustomersPage(client)(at)
  const entry = Catalog.entries.find((e) => e.id === item.key)
  if (entry === undefined) return Effect.dieMessage(`unknown Stripe work item ${item.key}`)
  return listingPage(client, entry, at)
}

/**
 * Backfill work items. Every collection is one listing, paged newest first with
 * `starting_after`; a listing with nested lists also fills the children's collections.
 * Upcoming invoices are previewed per subscription, so that work item pages through the
 * subscriptions and previews each live one.
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

const UPCOMING_INVOICES = "stripe:upcoming_invoice"

export const plan = (collections: ReadonlyArray<Collection.CollectionId>): ReadonlyArray<Connector.WorkItem> => {
  const wanted = new Set(collections)
  const items: Array<Connector.WorkItem> = []
  for (const entry of Catalog.entries) {
    if (entry.list === undefined) continue
    const filled = entry.nested?.child === undefined ? [entry.id] : [entry.id, entry.nested.child]
    if (filled.some((c) => wanted.has(c))) items.push({ key: entry.id, collections: filled })
  }
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
const subscriptions = listed(Catalog.ids.subscription)

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
  if (item.key === UPCOMING_INVOICES) return upcomingInvoicesPage(client, at)
  const entry = Catalog.entries.find((e) => e.id === item.key)
  if (entry === undefined) return Effect.dieMessage(`unknown Stripe work item ${item.key}`)
  return listingPage(client, entry, at)
}

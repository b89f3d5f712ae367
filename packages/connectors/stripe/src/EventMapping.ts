/**
 * One Stripe event → what the engine should publish or read afresh.
 *
 * The payload (`data.object`) is the object right after the change, so it is published as
 * a `reported` version at the event's `created` second. When the payload cannot stand as
 * the record (its nested list is cut at the first page, or not included at all), the
 * object is read afresh instead. Objects without events of their own (subscription items,
 * invoice lines, and invoice items once created) ride on their parent's events; upcoming
 * invoices are previewed again whenever their subscription or one of its invoices changes.
 */
import { Collection } from "@tributary/core"
import type { Connector } from "@tributary/core"
import * as Catalog from "./Catalog.js"
import { createdAt, invoiceItemsOf, isRecord, isStripeObject, refId, subscriptionOfInvoice } from "./internal/Objects.js"
import type { StripeJson } from "./internal/Objects.js"
import * as Nested from "./Nested.js"

export interface Mapped extends Connector.Observed {
  readonly refresh: ReadonlyArray<Connector.RecordRef>
}

/** Stands for the event itself when its payload is unusable. */
export const EVENT_COLLECTION = Collection.make(Catalog.SOURCE, "event")

export interface StripeEvent extends StripeJson {
  readonly id: string
  readonly type: string
  readonly created: number
  readonly data: { readonly object: StripeJson; readonly previous_attributes?: unknown }
}

export const isEvent = (value: unknown): value is StripeEvent =>
  isRecord(value) && typeof value.id === "string" && typeof value.type === "string" &&
  typeof value.created === "number" && isRecord(value.data) && isRecord(value.data.object)

/** An event's version: the whole `created` second, since Stripe's clock says no more. */
export const versionOf = (event: StripeEvent): Connector.Version => ({
  from: event.created * 1000,
  to: event.created * 1000 + 999
})

const upcoming = (subscription: string | undefined): ReadonlyArray<Connector.RecordRef> =>
  subscription === undefined ? [] : [{ collection: Catalog.ids.upcomingInvoice, upstreamId: subscription }]

const NOTHING: Mapped = { observations: [], malformed: [], refresh: [] }

export const map = (value: unknown): Mapped => {
  if (!isEvent(value)) {
    return {
      ...NOTHING,
      malformed: [{ collection: EVENT_COLLECTION, upstreamId: isRecord(value) && typeof value.id === "string" ? value.id : null, detail: "not a Stripe event" }]
    }
  }
  const object = value.data.object
  const objectType = typeof object.object === "string" ? object.object : ""
  // `invoice.upcoming` and friends carry a preview invoice, which has no stable id.
  if (objectType === "invoice" && (typeof object.id !== "string" || object.id.startsWith("upcoming_in"))) {
    return { ...NOTHING, refresh: upcoming(subscriptionOfInvoice(object)) }
  }
  const entry = Catalog.entryForObject(objectType)
  if (entry === undefined) return NOTHING
  if (!isStripeObject(object)) {
    return { ...NOTHING, malformed: [{ collection: entry.id, upstreamId: null, detail: `event ${value.id} carries an object without an id` }] }
  }

  const related: Array<Connector.RecordRef> = []
  if (entry.id === Catalog.ids.subscription) related.push(...upcoming(object.id))
  if (entry.id === Catalog.ids.invoice) {
    related.push(...upcoming(subscriptionOfInvoice(object)))
    related.push(...invoiceItemsOf(object).map((id) => ({ collection: Catalog.ids.invoiceItem, upstreamId: id })))
  }
  // A refund changes its charge's `refunds` list.
  const charge = entry.id === Catalog.ids.refund ? refId(object.charge) : undefined
  if (charge !== undefined) related.push({ collection: Catalog.ids.charge, upstreamId: charge })

  const version = versionOf(value)
  // A canceled subscription still exists (`customer.subscription.deleted` means canceled).
  const deleted = value.type.endsWith(".deleted") && entry.id !== Catalog.ids.subscription
  if (!deleted && !Nested.isComplete(entry, object)) {
    return { ...NOTHING, refresh: [{ collection: entry.id, upstreamId: object.id }, ...related] }
  }
  const previous = value.data.previous_attributes
  const primary: Connector.Observation = {
    collection: entry.id,
    upstreamId: object.id,
    deleted,
    data: object,
    createdAt: createdAt(object),
    version,
    origin: "reported",
    changeId: value.id,
    changes: isRecord(previous) ? previous : null
  }
  const child = entry.nested?.child
  const list = entry.nested === undefined ? undefined : object[entry.nested.field]
  const children: ReadonlyArray<Connector.Observation> = child === undefined || deleted || !isRecord(list) || !Array.isArray(list.data)
    ? []
    : list.data.filter(isStripeObject).map((item) => ({
      collection: child,
      upstreamId: item.id,
      deleted: false,
      data: item,
      createdAt: createdAt(item),
      version,
      origin: "reported" as const,
      // Unique per record, so a replayed event is recognised as the same change.
      changeId: `${value.id}/${item.id}`
    }))
  return { observations: [primary, ...children], malformed: [], refresh: related }
}

/** Building observations from Stripe objects. */
import type { Collection, Connector } from "@tributary/core"
import type { StripeObject } from "./Objects.js"
import { createdAt, isStripeObject, problemWith } from "./Objects.js"

export const read = (
  collection: Collection.CollectionId,
  object: StripeObject,
  version: Connector.Version,
  upstreamId: string = object.id
): Connector.Observation => ({
  collection,
  upstreamId,
  deleted: false,
  data: object,
  createdAt: createdAt(object),
  version,
  origin: "read"
})

/** The object is gone upstream (404, or Stripe's `{deleted: true}` stub). */
export const vanished = (
  collection: Collection.CollectionId,
  upstreamId: string,
  version: Connector.Version
): Connector.Observation => ({
  collection,
  upstreamId,
  deleted: true,
  data: null,
  createdAt: null,
  version,
  origin: "read"
})

export const malformed = (
  collection: Collection.CollectionId,
  value: unknown,
  detail: string
): Connector.Malformed => ({
  collection,
  upstreamId: typeof value === "object" && value !== null && "id" in value && typeof value.id === "string" ? value.id : null,
  detail
})

/** Split raw list items into usable objects and malformed ones. */
export const partition = (
  collection: Collection.CollectionId,
  items: ReadonlyArray<unknown>
): { readonly objects: ReadonlyArray<StripeObject>; readonly malformed: ReadonlyArray<Connector.Malformed> } => {
  const objects: Array<StripeObject> = []
  const bad: Array<Connector.Malformed> = []
  for (const item of items) {
    if (isStripeObject(item)) objects.push(item)
    else bad.push(malformed(collection, item, problemWith(item) ?? "not a Stripe object"))
  }
  return { objects, malformed: bad }
}

export const span = (a: Connector.Version, b: Connector.Version): Connector.Version => ({
  from: Math.min(a.from, b.from),
  to: Math.max(a.to, b.to)
})

export const EMPTY: Connector.Observed = { observations: [], malformed: [] }

export const concat = (parts: ReadonlyArray<Connector.Observed>): Connector.Observed => ({
  observations: parts.flatMap((p) => p.observations),
  malformed: parts.flatMap((p) => p.malformed)
})

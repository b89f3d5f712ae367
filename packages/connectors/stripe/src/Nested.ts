/**
 * Nested lists come back with their first page only (`has_more: true` past 10 items).
 * A record must hold the whole list, and its children are records of their own, so the
 * rest is paged through the list's own endpoint until it ends.
 */
import type { Connector } from "@tributary/core"
import { Effect } from "effect"
import type { Entry } from "./Catalog.js"
import type { Client } from "./Client.js"
import type { StripeObject } from "./internal/Objects.js"
import { idOf, isList } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"

const PAGE = 100

export interface Completed {
  /** The object with its nested list complete (`has_more: false`). */
  readonly object: StripeObject
  /** The interval covering the reads that completed it. */
  readonly version: Connector.Version
  readonly children: ReadonlyArray<unknown>
}

/** Whether the object's nested list is already complete, so no request is needed. */
export const isComplete = (entry: Entry, object: StripeObject): boolean => {
  if (entry.nested === undefined) return true
  const list = object[entry.nested.field]
  return isList(list) && !list.has_more
}

export const complete = (
  client: Client,
  entry: Entry,
  object: StripeObject,
  version: Connector.Version
): Effect.Effect<Completed, Connector.Refusal> =>
  Effect.gen(function*() {
    const nested = entry.nested
    if (nested === undefined) return { object, version, children: [] }
    const given = object[nested.field]
    const items: Array<unknown> = isList(given) ? [...given.data] : []
    let more = isList(given) ? given.has_more : true
    let span = version
    while (more) {
      const last = items.length === 0 ? undefined : idOf(items[items.length - 1])
      const page = yield* client.call(`list ${nested.field} of ${object.id}`, (stripe) =>
        nested.more(stripe, object.id, last === undefined || last === null ? { limit: PAGE } : { limit: PAGE, starting_after: last }))
      items.push(...page.value.data)
      span = Observe.span(span, page.version)
      more = page.value.has_more && page.value.data.length > 0
    }
    const list = isList(given) ? given : { object: "list", url: null }
    return {
      object: { ...object, [nested.field]: { ...list, data: items, has_more: false } },
      version: span,
      children: items
    }
  })

/** The observations of an object and of its nested list's items, once the list is complete. */
const observationsOf = (entry: Entry, done: Completed): Connector.Observed => {
  const child = entry.nested?.child
  if (child === undefined) return { observations: [Observe.read(entry.id, done.object, done.version)], malformed: [] }
  const children = Observe.partition(child, done.children)
  return {
    observations: [
      Observe.read(entry.id, done.object, done.version),
      ...children.objects.map((c) => Observe.read(child, c, done.version))
    ],
    malformed: children.malformed
  }
}

/**
 * The observations of an object whose nested list is already complete (`isComplete`), with
 * no request and no fiber: most objects of a backfill page are, and this runs for each.
 */
export const observeComplete = (entry: Entry, object: StripeObject, version: Connector.Version): Connector.Observed => {
  const given = entry.nested === undefined ? undefined : object[entry.nested.field]
  return observationsOf(entry, { object, version, children: isList(given) ? given.data : [] })
}

/** The observations of an object read afresh: itself, complete, and its children when they are records. */
export const observeRead = (
  client: Client,
  entry: Entry,
  object: StripeObject,
  version: Connector.Version
): Effect.Effect<Connector.Observed, Connector.Refusal> =>
  Effect.map(complete(client, entry, object, version), (done) => observationsOf(entry, done))

/** The children a parent's data lists completely, for the engine's orphan check; undefined when it does not. */
export const childrenOf = (entry: Entry) => (data: Readonly<Record<string, unknown>>): ReadonlyArray<Connector.RecordRef> | undefined => {
  const nested = entry.nested
  const child = nested?.child
  if (nested === undefined || child === undefined) return undefined
  const list = data[nested.field]
  if (!isList(list) || list.has_more) return undefined
  return list.data.flatMap((item) => {
    const id = idOf(item)
    return id === null ? [] : [{ collection: child, upstreamId: id }]
  })
}

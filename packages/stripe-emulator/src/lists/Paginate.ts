import type { Collection } from "../store/Collection.js"
import type { Entry, Position } from "../store/Entry.js"
import type { StripeObject } from "../store/StripeObject.js"
import type { PageRequest } from "./PageRequest.js"

export interface Page<T extends StripeObject> {
  /** Newest first, as Stripe lists are. */
  readonly entries: ReadonlyArray<Entry<T>>
  readonly hasMore: boolean
}

export interface CollectionPageOptions<T extends StripeObject> {
  readonly matches?: (entry: Entry<T>) => boolean
  /** Entries older than this never show (event retention). */
  readonly oldestCreated?: number
  /** Resolves a cursor id to its position; throws Stripe's error for unknown ids. */
  readonly cursor: (id: string, param: "starting_after" | "ending_before") => Position
}

/**
 * A page of a collection, newest first. Bounds come from binary searches on `created` and on the
 * cursor's position, so only the entries on the page (plus filtered-out ones) are visited.
 */
export const pageOfCollection = <T extends StripeObject>(
  collection: Collection<T>,
  request: PageRequest,
  options: CollectionPageOptions<T>
): Page<T> => {
  let low = 0
  let high = collection.size
  const from = Math.max(request.created?.from ?? -Infinity, options.oldestCreated ?? -Infinity)
  if (from > -Infinity) low = collection.firstCreatedAtOrAfter(from)
  if (request.created !== undefined && request.created.to < Infinity) {
    high = collection.firstCreatedAtOrAfter(request.created.to + 1)
  }
  const matches = options.matches ?? (() => true)
  const found: Array<Entry<T>> = []

  if (request.endingBefore !== undefined) {
    const position = options.cursor(request.endingBefore, "ending_before")
    let index = collection.lowerBound(position)
    const atCursor = collection.at(index)
    if (atCursor !== undefined && atCursor.created === position.created && atCursor.seq === position.seq) index++
    for (let i = Math.max(low, index); i < high && found.length <= request.limit; i++) {
      const entry = collection.at(i)
      if (entry !== undefined && matches(entry)) found.push(entry)
    }
    const hasMore = found.length > request.limit
    return { entries: found.slice(0, request.limit).reverse(), hasMore }
  }

  if (request.startingAfter !== undefined) {
    high = Math.min(high, collection.lowerBound(options.cursor(request.startingAfter, "starting_after")))
  }
  for (let i = high - 1; i >= low && found.length <= request.limit; i--) {
    const entry = collection.at(i)
    if (entry !== undefined && matches(entry)) found.push(entry)
  }
  const hasMore = found.length > request.limit
  if (hasMore) found.pop()
  return { entries: found, hasMore }
}

/**
 * A page of a nested list (invoice lines, subscription items…), which keeps its own order rather
 * than newest first. `ids` is that order; missing or filtered children are skipped.
 */
export const pageOfIds = <T extends StripeObject>(
  ids: ReadonlyArray<string>,
  lookup: (id: string) => Entry<T> | undefined,
  request: PageRequest,
  unknownCursor: (id: string, param: "starting_after" | "ending_before") => Error,
  matches: (entry: Entry<T>) => boolean = () => true
): Page<T> => {
  const found: Array<Entry<T>> = []
  const visit = (index: number): void => {
    const id = ids[index]
    const entry = id === undefined ? undefined : lookup(id)
    if (entry !== undefined && matches(entry)) found.push(entry)
  }
  if (request.endingBefore !== undefined) {
    const index = ids.indexOf(request.endingBefore)
    if (index < 0) throw unknownCursor(request.endingBefore, "ending_before")
    for (let i = index - 1; i >= 0 && found.length <= request.limit; i--) visit(i)
    const hasMore = found.length > request.limit
    return { entries: found.slice(0, request.limit).reverse(), hasMore }
  }
  let start = 0
  if (request.startingAfter !== undefined) {
    const index = ids.indexOf(request.startingAfter)
    if (index < 0) throw unknownCursor(request.startingAfter, "starting_after")
    start = index + 1
  }
  for (let i = start; i < ids.length && found.length <= request.limit; i++) visit(i)
  const hasMore = found.length > request.limit
  if (hasMore) found.pop()
  return { entries: found, hasMore }
}

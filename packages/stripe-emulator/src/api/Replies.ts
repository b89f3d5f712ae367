import { expandEntry, itemTree, parseExpand } from "../expand/Expand.js"
import type { Page } from "../lists/Paginate.js"
import type { Entry } from "../store/Entry.js"
import { jsonOf } from "../store/Render.js"
import type { Store } from "../store/Store.js"
import type { RenderableType, StripeObject } from "../store/StripeObject.js"
import { ok, type Reply } from "./ApiRequest.js"

/**
 * Response bodies. Without `expand` an object is its cached JSON and a list is those strings
 * concatenated, so a list page allocates no objects at all; `expand` takes the slow path and
 * serializes expanded copies.
 */
export const objectReply = (
  store: Store,
  type: RenderableType,
  entry: Entry,
  expand: ReadonlyArray<string> | undefined
): Reply => {
  if (expand === undefined || expand.length === 0) return ok(jsonOf(store, type, entry))
  return ok(JSON.stringify(expandEntry(store, type, entry, parseExpand(expand))))
}

export const listReply = <T extends StripeObject>(
  store: Store,
  type: RenderableType,
  url: string,
  page: Page<T>,
  expand: ReadonlyArray<string> | undefined
): Reply => {
  let items: string
  if (expand === undefined || expand.length === 0) {
    items = page.entries.map((entry) => jsonOf(store, type, entry)).join(",")
  } else {
    const tree = itemTree(parseExpand(expand), expand)
    items = page.entries.map((entry) => JSON.stringify(expandEntry(store, type, entry, tree))).join(",")
  }
  return ok(listBody(url, items, page.hasMore))
}

export const listBody = (url: string, items: string, hasMore: boolean): string =>
  `{"object":"list","data":[${items}],"has_more":${hasMore},"url":${JSON.stringify(url)}}`

export const valueReply = (value: unknown): Reply => ok(JSON.stringify(value))

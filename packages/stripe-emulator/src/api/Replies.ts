import { expandEntry, itemTree, parseExpand } from "../expand/Expand.js"
import { joinChunks } from "../http/Body.js"
import type { Page } from "../lists/Paginate.js"
import type { Entry } from "../store/Entry.js"
import { jsonOf } from "../store/Render.js"
import type { Store } from "../store/Store.js"
import type { RenderableType, StripeObject } from "../store/StripeObject.js"
import { ok, type Reply } from "./ApiRequest.js"

/**
 * Response bodies. Without `expand` an object is its cached JSON and a list is those buffers
 * written one after another, so a list page allocates next to nothing; `expand` takes the slow path and
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

const LIST_HEAD = Buffer.from('{"object":"list","data":[')
const COMMA = Buffer.from(",")

export const listReply = <T extends StripeObject>(
  store: Store,
  type: RenderableType,
  url: string,
  page: Page<T>,
  expand: ReadonlyArray<string> | undefined
): Reply => {
  const tail = Buffer.from(`],"has_more":${page.hasMore},"url":${JSON.stringify(url)}}`)
  if (expand === undefined || expand.length === 0) {
    return ok(joinChunks(LIST_HEAD, page.entries.map((entry) => jsonOf(store, type, entry)), COMMA, tail))
  }
  const tree = itemTree(parseExpand(expand), expand)
  const items = page.entries.map((entry) => JSON.stringify(expandEntry(store, type, entry, tree))).join(",")
  return ok(`{"object":"list","data":[${items}],"has_more":${page.hasMore},"url":${JSON.stringify(url)}}`)
}

export const valueReply = (value: unknown): Reply => ok(JSON.stringify(value))

import type { Entry } from "./Entry.js"
import { EMPTY_CUSTOMER_LISTS, relationsOf, type Relation } from "./Relations.js"
import type { Store } from "./Store.js"
import type { ListObject, RenderableType, StripeObject } from "./StripeObject.js"

/** Stripe's first page of a nested list. */
export const NESTED_PAGE_SIZE = 10

export interface RenderOptions {
  /** Expand-only nested lists to include (`charge.refunds`, `customer.subscriptions`, …). */
  readonly lists?: ReadonlySet<string>
  /** Every item with `has_more: false` instead of the first page: what the dump shows. */
  readonly allItems?: boolean
}

const NO_OPTIONS: RenderOptions = {}

/** The object as the API shows it: stored fields plus its nested lists. Never copies otherwise. */
export const render = (store: Store, type: RenderableType, entry: Entry, options: RenderOptions = NO_OPTIONS): StripeObject => {
  if (entry.deleted) return deletedStub(entry.data)
  let out: StripeObject = entry.data
  for (const nested of relationsOf(type)) {
    if (!nested.inline && options.lists?.has(nested.field) !== true) continue
    out = { ...out, [nested.field]: nestedList(store, nested, entry.id, options.allItems === true) }
  }
  if (type === "customer" && options.lists !== undefined) {
    for (const empty of EMPTY_CUSTOMER_LISTS) {
      if (options.lists.has(empty.field)) out = { ...out, [empty.field]: emptyList(empty.url(entry.id)) }
    }
  }
  return out
}

export const deletedStub = (data: StripeObject): StripeObject => ({ id: data.id, object: data.object, deleted: true })

export const nestedList = (store: Store, nested: Relation, parentId: string, allItems: boolean): ListObject => {
  const children = store.collection(nested.child)
  const data: Array<StripeObject> = []
  let hasMore = false
  for (const id of store.childrenOf(nested.name, parentId)) {
    const child = children.live(id)
    if (child === undefined || nested.hides?.(child.data) === true) continue
    if (!allItems && data.length === NESTED_PAGE_SIZE) {
      hasMore = true
      break
    }
    data.push(child.data)
  }
  return { object: "list", data, has_more: hasMore, url: nested.url(parentId) }
}

const emptyList = (url: string): ListObject => ({ object: "list", data: [], has_more: false, url })

/** The object's default JSON (UTF-8), cached on the entry until the object or a nested list changes. */
export const jsonOf = (store: Store, type: RenderableType, entry: Entry): Buffer => {
  if (entry.json === undefined) entry.json = Buffer.from(JSON.stringify(render(store, type, entry)), "utf8")
  return entry.json
}

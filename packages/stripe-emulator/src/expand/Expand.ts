/**
 * `expand[]`: replaces ids with the objects they name, along dot paths (`customer`,
 * `data.customer` on lists, `invoice.subscription.customer`, at most 4 levels), and switches on
 * nested lists that Stripe only shows when expanded (`charge.refunds`, `customer.subscriptions`).
 * Works on copies: stored objects and their cached JSON never see an expansion.
 */
import { invalidRequest } from "../http/StripeError.js"
import type { Entry } from "../store/Entry.js"
import { EMPTY_CUSTOMER_LISTS, relationsOf } from "../store/Relations.js"
import { render } from "../store/Render.js"
import type { Store } from "../store/Store.js"
import { isListObject, isRecord, isStripeObject, type ObjectType, type RenderableType, type StripeObject } from "../store/StripeObject.js"

const MAX_DEPTH = 4

export interface ExpandTree {
  readonly [segment: string]: ExpandTree
}

interface MutableTree {
  [segment: string]: MutableTree
}

export const parseExpand = (paths: ReadonlyArray<string>): ExpandTree => {
  const root: MutableTree = {}
  for (const path of paths) {
    const segments = path.split(".")
    if (segments.length > MAX_DEPTH) {
      throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`, {
        param: "expand"
      })
    }
    let node = root
    for (const segment of segments) {
      const next: MutableTree = node[segment] ?? {}
      node[segment] = next
      node = next
    }
  }
  return root
}

/** List endpoints take `data.`-prefixed paths; this is the per-item tree. */
export const itemTree = (tree: ExpandTree, paths: ReadonlyArray<string>): ExpandTree => {
  for (const segment of Object.keys(tree)) {
    if (segment !== "data") {
      const path = paths.find((candidate) => candidate.split(".")[0] === segment) ?? segment
      throw cannotExpand(path)
    }
  }
  return tree["data"] ?? {}
}

const cannotExpand = (path: string) =>
  invalidRequest(`This property cannot be expanded (${path}).`, { param: "expand" })

const ID_PREFIXES: ReadonlyArray<readonly [string, ObjectType]> = [
  ["cus_", "customer"],
  ["prod_", "product"],
  ["price_", "price"],
  ["plan_", "plan"],
  ["txr_", "tax_rate"],
  ["sub_", "subscription"],
  ["si_", "subscription_item"],
  ["in_", "invoice"],
  ["il_", "line_item"],
  ["ii_", "invoiceitem"],
  ["ch_", "charge"],
  ["py_", "charge"],
  ["re_", "refund"],
  ["pi_", "payment_intent"],
  ["seti_", "setup_intent"],
  ["pm_", "payment_method"],
  ["dp_", "dispute"],
  ["po_", "payout"],
  ["txn_", "balance_transaction"],
  ["cn_", "credit_note"],
  ["cs_", "checkout.session"],
  ["acct_", "account"]
]

/** Fields whose ids carry no type prefix. */
const FIELD_TYPES: Readonly<Record<string, ObjectType>> = { coupon: "coupon" }

const typeOfId = (id: string, field: string): ObjectType | undefined =>
  FIELD_TYPES[field] ?? ID_PREFIXES.find(([prefix]) => id.startsWith(prefix))?.[1]

/** Nested lists to switch on for an object, from the first level of its expand tree. */
const listsFor = (type: RenderableType, tree: ExpandTree): ReadonlySet<string> | undefined => {
  let lists: Set<string> | undefined
  const candidates = [
    ...relationsOf(type).filter((nested) => !nested.inline).map((nested) => nested.field),
    ...(type === "customer" ? EMPTY_CUSTOMER_LISTS.map((empty) => empty.field) : [])
  ]
  for (const field of candidates) {
    if (field in tree) (lists ??= new Set()).add(field)
  }
  return lists
}

export const expandEntry = (store: Store, type: RenderableType, entry: Entry, tree: ExpandTree): StripeObject => {
  const lists = listsFor(type, tree)
  const rendered = render(store, type, entry, lists === undefined ? {} : { lists })
  return expandFields(store, rendered, tree, "")
}

const expandFields = (store: Store, value: StripeObject, tree: ExpandTree, prefix: string): StripeObject => {
  let out: { -readonly [K in keyof StripeObject]: StripeObject[K] } | undefined
  for (const [segment, subtree] of Object.entries(tree)) {
    if (!(segment in value)) throw cannotExpand(prefix + segment)
    const expanded = expandValue(store, value[segment], segment, subtree, `${prefix}${segment}.`)
    if (expanded !== value[segment]) (out ??= { ...value })[segment] = expanded
  }
  return out ?? value
}

const expandValue = (store: Store, value: unknown, field: string, tree: ExpandTree, prefix: string): unknown => {
  if (value === null || value === undefined) return value
  if (typeof value === "string") {
    const type = typeOfId(value, field)
    const entry = type === undefined ? undefined : store.collection(type).get(value)
    if (type === undefined || entry === undefined) return value
    return expandEntry(store, type, entry, tree)
  }
  if (Array.isArray(value)) return value.map((item) => expandValue(store, item, field, tree, prefix))
  if (isListObject(value)) {
    const itemSubtree = tree["data"]
    if (itemSubtree === undefined) return value
    return { ...value, data: value.data.map((item) => expandValue(store, item, field, itemSubtree, `${prefix}data.`)) }
  }
  if (isStripeObject(value)) return expandFields(store, value, tree, prefix)
  if (isRecord(value)) return expandHash(store, value, tree, prefix)
  return value
}

/** Plain hashes along a path (`invoice_settings.default_payment_method`). */
const expandHash = (
  store: Store,
  value: Readonly<Record<string, unknown>>,
  tree: ExpandTree,
  prefix: string
): Readonly<Record<string, unknown>> => {
  let out: Record<string, unknown> | undefined
  for (const [segment, subtree] of Object.entries(tree)) {
    if (!(segment in value)) throw cannotExpand(prefix + segment)
    const expanded = expandValue(store, value[segment], segment, subtree, `${prefix}${segment}.`)
    if (expanded !== value[segment]) (out ??= { ...value })[segment] = expanded
  }
  return out ?? value
}

import type { Account } from "../accounts/Account.js"
import { RELATIONS } from "../store/Relations.js"
import { render } from "../store/Render.js"
import { OBJECT_TYPES, type ObjectType } from "../store/StripeObject.js"

/**
 * The state of an account for comparison with a mirror: `{collection: objects}`, each object as a
 * GET returns it, except that inline nested lists (`invoice.lines`, `subscription.items`,
 * `credit_note.lines`) hold every item with `has_more: false`. Children also appear under their own
 * collection. Collections are named by Stripe's `object` value, except the two line types whose
 * `object` is ambiguous: invoice lines (`line_item`) and checkout lines (`item`). Lists a GET shows
 * only when expanded are absent unless `expand` names them (`charge.refunds`): then they too hold
 * every item, as a mirror that reads them expanded and pages them through keeps them.
 */
export type Dump = Record<string, Array<unknown>>

export const DUMP_COLLECTIONS: { readonly [K in ObjectType]: string } = {
  account: "account",
  customer: "customer",
  product: "product",
  price: "price",
  plan: "plan",
  coupon: "coupon",
  tax_rate: "tax_rate",
  subscription: "subscription",
  subscription_item: "subscription_item",
  invoice: "invoice",
  line_item: "invoice_line_item",
  invoiceitem: "invoiceitem",
  charge: "charge",
  refund: "refund",
  payment_intent: "payment_intent",
  setup_intent: "setup_intent",
  payment_method: "payment_method",
  dispute: "dispute",
  payout: "payout",
  balance_transaction: "balance_transaction",
  credit_note: "credit_note",
  credit_note_line_item: "credit_note_line_item",
  "checkout.session": "checkout.session",
  item: "checkout_session_line_item"
}

export interface DumpOptions {
  /** Adds `{id, object, deleted: true}` stubs for deleted objects at the end of each collection. */
  readonly includeDeleted?: boolean
  /** Expand-only nested lists to include, by relation name (`charge.refunds`, `checkout.session.line_items`). */
  readonly expand?: ReadonlyArray<string>
}

/** The relation names `expand` accepts. */
export const EXPANDABLE: ReadonlyArray<string> = RELATIONS.filter((r) => !r.inline).map((r) => r.name)

export class UnknownExpansion extends Error {
  constructor(readonly expansion: string) {
    super(`\`${expansion}\` is not an expandable list; expand one of ${EXPANDABLE.join(", ")}`)
  }
}

/** The fields to expand per object type. */
const listsByType = (expand: ReadonlyArray<string>): ReadonlyMap<string, ReadonlySet<string>> => {
  const lists = new Map<string, Set<string>>()
  for (const name of expand) {
    const relation = RELATIONS.find((r) => r.name === name && !r.inline)
    if (relation === undefined) throw new UnknownExpansion(name)
    lists.set(relation.parent, new Set([...(lists.get(relation.parent) ?? []), relation.field]))
  }
  return lists
}

export const dumpAccount = (account: Account, options: DumpOptions = {}): Dump => {
  const expanded = listsByType(options.expand ?? [])
  const dump: Dump = {}
  for (const type of OBJECT_TYPES) {
    const lists = expanded.get(type)
    const collection = account.store.collection(type)
    const entries = collection.values()
    const objects: Array<unknown> = []
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]
      if (entry !== undefined) objects.push(render(account.store, type, entry, lists === undefined ? { allItems: true } : { allItems: true, lists }))
    }
    if (options.includeDeleted === true) {
      for (const id of collection.deletedIds()) objects.push({ id, object: type, deleted: true })
    }
    dump[DUMP_COLLECTIONS[type]] = objects
  }
  return dump
}

import type { Account } from "../accounts/Account.js"
import { render } from "../store/Render.js"
import { OBJECT_TYPES, type ObjectType } from "../store/StripeObject.js"

/**
 * The state of an account for comparison with a mirror: `{collection: objects}`, each object as a
 * GET returns it, except that inline nested lists (`invoice.lines`, `subscription.items`,
 * `credit_note.lines`) hold every item with `has_more: false`. Children also appear under their own
 * collection. Collections are named by Stripe's `object` value, except the two line types whose
 * `object` is ambiguous: invoice lines (`line_item`) and checkout lines (`item`).
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
}

export const dumpAccount = (account: Account, options: DumpOptions = {}): Dump => {
  const dump: Dump = {}
  for (const type of OBJECT_TYPES) {
    const collection = account.store.collection(type)
    const entries = collection.values()
    const objects: Array<unknown> = []
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]
      if (entry !== undefined) objects.push(render(account.store, type, entry, { allItems: true }))
    }
    if (options.includeDeleted === true) {
      for (const id of collection.deletedIds()) objects.push({ id, object: type, deleted: true })
    }
    dump[DUMP_COLLECTIONS[type]] = objects
  }
  return dump
}

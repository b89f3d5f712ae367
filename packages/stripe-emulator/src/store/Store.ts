import { Collection } from "./Collection.js"
import { Entry } from "./Entry.js"
import type { ObjectsByType } from "./Objects.js"
import { inlineRelationsOfChild, relation, type RelationName } from "./Relations.js"
import type { ObjectType, StripeObject } from "./StripeObject.js"

type Collections = { readonly [K in ObjectType]: Collection<ObjectsByType[K]> }

const makeCollections = (): Collections => ({
  account: new Collection("account"),
  customer: new Collection("customer"),
  product: new Collection("product"),
  price: new Collection("price"),
  plan: new Collection("plan"),
  coupon: new Collection("coupon"),
  tax_rate: new Collection("tax_rate"),
  subscription: new Collection("subscription"),
  subscription_item: new Collection("subscription_item"),
  invoice: new Collection("invoice"),
  line_item: new Collection("line_item"),
  invoiceitem: new Collection("invoiceitem"),
  charge: new Collection("charge"),
  refund: new Collection("refund"),
  payment_intent: new Collection("payment_intent"),
  setup_intent: new Collection("setup_intent"),
  payment_method: new Collection("payment_method"),
  dispute: new Collection("dispute"),
  payout: new Collection("payout"),
  balance_transaction: new Collection("balance_transaction"),
  credit_note: new Collection("credit_note"),
  credit_note_line_item: new Collection("credit_note_line_item"),
  "checkout.session": new Collection("checkout.session"),
  item: new Collection("item")
})

/**
 * Every object of one account, plus the parent → children links behind nested lists.
 * It knows nothing of events or HTTP; domain/Writer.ts is the only code that changes it.
 */
export class Store {
  private seq = 0
  private readonly collections = makeCollections()
  private readonly childIds = new Map<RelationName, Map<string, Array<string>>>()
  private readonly parents = new Map<RelationName, Map<string, string>>()
  /**
   * The charge that paid each invoice. Stripe's invoices no longer expose it (it sits behind
   * `payments`), but refunds from credit notes need it.
   */
  readonly invoiceCharges = new Map<string, string>()
  /** Invoice items not yet on an invoice, by customer: what `pending_invoice_items_behavior=include` takes. */
  private readonly pendingItems = new Map<string, Set<string>>()
  private readonly pendingOwner = new Map<string, string>()

  collection<K extends ObjectType>(type: K): Collections[K] {
    return this.collections[type]
  }

  get<K extends ObjectType>(type: K, id: string): Entry<ObjectsByType[K]> | undefined {
    return this.collections[type].live(id)
  }

  insert<K extends ObjectType>(type: K, data: ObjectsByType[K], created: number): Entry<ObjectsByType[K]> {
    const entry = new Entry(data, created, this.seq++)
    this.collections[type].insert(entry)
    this.indexPending(type, entry.id, data)
    return entry
  }

  replace<K extends ObjectType>(type: K, entry: Entry<ObjectsByType[K]>, data: ObjectsByType[K]): void {
    this.collections[type].replace(entry, data)
    this.touchParents(type, entry.id)
    this.indexPending(type, entry.id, data)
  }

  remove<K extends ObjectType>(type: K, entry: Entry<ObjectsByType[K]>, keepStub = false): void {
    this.collections[type].remove(entry, keepStub)
    this.touchParents(type, entry.id)
    this.indexPending(type, entry.id, undefined)
  }

  /** Ids of a customer's invoice items that are on no invoice yet. */
  pendingInvoiceItems(customerId: string): ReadonlyArray<string> {
    return [...(this.pendingItems.get(customerId) ?? [])]
  }

  private indexPending(type: ObjectType, id: string, data: StripeObject | undefined): void {
    if (type !== "invoiceitem") return
    const owner = this.pendingOwner.get(id)
    if (owner !== undefined) {
      this.pendingItems.get(owner)?.delete(id)
      this.pendingOwner.delete(id)
    }
    const customer = data?.["customer"]
    if (typeof customer !== "string" || data?.["invoice"] !== null) return
    const items = this.pendingItems.get(customer) ?? new Set<string>()
    this.pendingItems.set(customer, items)
    items.add(id)
    this.pendingOwner.set(id, customer)
  }

  link(name: RelationName, parentId: string, childId: string): void {
    const { order, parent } = relation(name)
    const byParent = this.childIds.get(name) ?? new Map<string, Array<string>>()
    this.childIds.set(name, byParent)
    const ids = byParent.get(parentId) ?? []
    byParent.set(parentId, ids)
    if (order === "append") ids.push(childId)
    else ids.unshift(childId)
    const parents = this.parents.get(name) ?? new Map<string, string>()
    this.parents.set(name, parents)
    parents.set(childId, parentId)
    this.collections[parent].touch(parentId)
  }

  unlink(name: RelationName, childId: string): void {
    const parentId = this.parents.get(name)?.get(childId)
    if (parentId === undefined) return
    const ids = this.childIds.get(name)?.get(parentId)
    const index = ids?.indexOf(childId) ?? -1
    if (ids !== undefined && index >= 0) ids.splice(index, 1)
    this.parents.get(name)?.delete(childId)
    this.collections[relation(name).parent].touch(parentId)
  }

  /** Child ids in nested-list order, including children that were since deleted. */
  childrenOf(name: RelationName, parentId: string): ReadonlyArray<string> {
    return this.childIds.get(name)?.get(parentId) ?? []
  }

  parentOf(name: RelationName, childId: string): string | undefined {
    return this.parents.get(name)?.get(childId)
  }

  beginBulk(): void {
    for (const collection of Object.values(this.collections)) collection.beginBulk()
  }

  endBulk(): void {
    for (const collection of Object.values(this.collections)) collection.endBulk()
  }

  private touchParents(child: ObjectType, childId: string): void {
    for (const { name, parent } of inlineRelationsOfChild(child)) {
      const parentId = this.parents.get(name)?.get(childId)
      if (parentId !== undefined) this.collections[parent].touch(parentId)
    }
  }
}

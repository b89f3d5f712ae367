import type { Entry} from "./Entry.js";
import { comparePositions, type Position } from "./Entry.js"
import type { StripeObject } from "./StripeObject.js"

/**
 * All objects of one type in an account, ordered oldest → newest by (`created`, `seq`).
 * Lists read it backwards (newest first, as Stripe lists do) and find cursors by binary search,
 * so a page costs O(log n + page size) however large the account is.
 */
export class Collection<T extends StripeObject = StripeObject> {
  private readonly byId = new Map<string, Entry<T>>()
  private readonly ordered: Array<Entry<T>> = []
  /** Positions of removed objects, so a cursor pointing at one still pages correctly. */
  private readonly tombstones = new Map<string, Position>()
  private bulk = false
  /**
   * Live entries by the customer they belong to (`data.customer`), so a customer's own list
   * (`/v1/customers/{id}/payment_methods`) costs its size, not the whole collection's.
   */
  private readonly byCustomer = new Map<string, Set<Entry<T>>>()

  constructor(readonly type: string) {}

  /** A collection of a few entries (oldest first) of another one, to page them as lists do. */
  static of<T extends StripeObject>(type: string, entries: ReadonlyArray<Entry<T>>): Collection<T> {
    const subset = new Collection<T>(type)
    for (const entry of entries) subset.insert(entry)
    return subset
  }

  get size(): number {
    return this.ordered.length
  }

  get(id: string): Entry<T> | undefined {
    return this.byId.get(id)
  }

  /** The live entry, or undefined when missing or deleted. */
  live(id: string): Entry<T> | undefined {
    const entry = this.byId.get(id)
    return entry === undefined || entry.deleted ? undefined : entry
  }

  positionOf(id: string): Position | undefined {
    return this.byId.get(id) ?? this.tombstones.get(id)
  }

  at(index: number): Entry<T> | undefined {
    return this.ordered[index]
  }

  /** A customer's live entries, oldest first. */
  ofCustomer(customer: string): ReadonlyArray<Entry<T>> {
    const owned = this.byCustomer.get(customer)
    return owned === undefined ? [] : [...owned].sort(comparePositions)
  }

  private own(entry: Entry<T>, data: T | undefined, add: boolean): void {
    const customer = (data as Readonly<Record<string, unknown>> | undefined)?.["customer"]
    if (typeof customer !== "string") return
    let owned = this.byCustomer.get(customer)
    if (add) {
      if (owned === undefined) this.byCustomer.set(customer, owned = new Set())
      owned.add(entry)
    } else if (owned !== undefined) {
      owned.delete(entry)
      if (owned.size === 0) this.byCustomer.delete(customer)
    }
  }

  insert(entry: Entry<T>): void {
    this.own(entry, entry.data, true)
    this.byId.set(entry.id, entry)
    const last = this.ordered[this.ordered.length - 1]
    if (this.bulk || last === undefined || comparePositions(last, entry) <= 0) {
      this.ordered.push(entry)
    } else {
      this.ordered.splice(this.lowerBound(entry), 0, entry)
    }
  }

  replace(entry: Entry<T>, data: T): void {
    if (!entry.deleted) {
      this.own(entry, entry.data, false)
      this.own(entry, data, true)
    }
    entry.data = data
    entry.json = undefined
  }

  /**
   * Drops the entry from lists. With `keepStub` it stays retrievable and renders as
   * `{id, object, deleted: true}` (deleted customers); otherwise it is gone (404).
   */
  remove(entry: Entry<T>, keepStub: boolean): void {
    const index = this.indexOf(entry)
    if (index >= 0) this.ordered.splice(index, 1)
    this.own(entry, entry.data, false)
    entry.deleted = true
    entry.json = undefined
    if (!keepStub) {
      this.byId.delete(entry.id)
      this.tombstones.set(entry.id, { created: entry.created, seq: entry.seq })
    }
  }

  /** Index of the first entry at or after `position`. */
  lowerBound(position: Position): number {
    let low = 0
    let high = this.ordered.length
    while (low < high) {
      const middle = (low + high) >>> 1
      const entry = this.ordered[middle]
      if (entry !== undefined && comparePositions(entry, position) < 0) low = middle + 1
      else high = middle
    }
    return low
  }

  /** Index of the first entry whose `created` is at or after `created`. */
  firstCreatedAtOrAfter(created: number): number {
    return this.lowerBound({ created, seq: -Infinity })
  }

  indexOf(entry: Entry<T>): number {
    const index = this.lowerBound(entry)
    return this.ordered[index] === entry ? index : -1
  }

  /** Seeding appends out of order and sorts once at the end. */
  beginBulk(): void {
    this.bulk = true
  }

  endBulk(): void {
    this.bulk = false
    this.ordered.sort(comparePositions)
  }

  /** Live entries, oldest first. */
  values(): ReadonlyArray<Entry<T>> {
    return this.ordered
  }

  /** Ids of deleted objects: stubs (customers) and removed ones alike. */
  deletedIds(): Array<string> {
    const ids = [...this.tombstones.keys()]
    for (const [id, entry] of this.byId) if (entry.deleted) ids.push(id)
    return ids
  }

  /** Invalidates the cached JSON, e.g. when a nested list inside the object changed. */
  touch(id: string): void {
    const entry = this.byId.get(id)
    if (entry !== undefined) entry.json = undefined
  }
}

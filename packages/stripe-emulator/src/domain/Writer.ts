import type { Account, Identifiers } from "../accounts/Account.js"
import { EVENT_NAMES } from "../events/EventNames.js"
import type { EventRequest } from "../events/EventLog.js"
import { previousAttributes } from "../events/PreviousAttributes.js"
import type { IdGenerator } from "../internal/Ids.js"
import type { Entry } from "../store/Entry.js"
import type { ObjectsByType } from "../store/Objects.js"
import { render } from "../store/Render.js"
import type { Store } from "../store/Store.js"
import type { ObjectType, StripeObject } from "../store/StripeObject.js"

/**
 * The only way objects change. Every write goes through here (API requests, seeds, the mutator,
 * clock-driven transitions), so every change records the event Stripe would, with a snapshot of the
 * object and, for `*.updated`, `previous_attributes`.
 */
export class Writer {
  constructor(
    readonly account: Account,
    /** Emulator time of the change, in seconds: `created` of new objects and of events. */
    readonly now: number,
    readonly request: EventRequest,
    /** Seeds of old history skip events that Stripe would long have dropped. */
    private readonly recordEvents = true,
    /** Where new objects' and events' ids and invoice numbers come from: the account's runtime stream, or its seed stream for the seeder. */
    readonly identifiers: Identifiers = account.serving
  ) {}

  get ids(): IdGenerator {
    return this.identifiers.ids
  }

  get store(): Store {
    return this.account.store
  }

  /** A writer for the same request at another moment (seeding history). */
  at(now: number, recordEvents = this.recordEvents): Writer {
    return new Writer(this.account, now, this.request, recordEvents, this.identifiers)
  }

  get<K extends ObjectType>(type: K, id: string): Entry<ObjectsByType[K]> | undefined {
    return this.store.get(type, id)
  }

  /** Stores a new object; `event` overrides the type's `*.created` event (`null`: none). */
  create<K extends ObjectType>(type: K, data: ObjectsByType[K], event?: string | null): Entry<ObjectsByType[K]> {
    const created = typeof data["created"] === "number" ? data["created"] : this.now
    const entry = this.store.insert(type, data, created)
    const name = event === undefined ? EVENT_NAMES[type]?.created : event
    if (name !== undefined && name !== null) this.emit(name, type, entry)
    return entry
  }

  /**
   * Replaces the object and records `*.updated` (when something changed) plus `alsoEmit`.
   * `updatedEvent: null` leaves out `*.updated` where Stripe sends only the specific event
   * (`charge.captured`, `customer.subscription.deleted`).
   */
  update<K extends ObjectType>(
    type: K,
    entry: Entry<ObjectsByType[K]>,
    data: ObjectsByType[K],
    alsoEmit: ReadonlyArray<string> = [],
    updatedEvent?: string | null
  ): void {
    const change = this.track(type, entry)
    this.store.replace(type, entry, data)
    change.commit(alsoEmit, updatedEvent)
  }

  /** Replaces the object without any event (objects Stripe does not announce, e.g. line items). */
  replaceSilently<K extends ObjectType>(type: K, entry: Entry<ObjectsByType[K]>, data: ObjectsByType[K]): void {
    this.store.replace(type, entry, data)
  }

  /**
   * Starts a change that may touch nested lists as well as the object: the snapshot taken now is
   * diffed against the object when `commit` is called.
   */
  track<K extends ObjectType>(type: K, entry: Entry<ObjectsByType[K]>): Change {
    const before = render(this.store, type, entry)
    return {
      commit: (alsoEmit = [], updatedEvent) => {
        const updatedName = updatedEvent === undefined ? EVENT_NAMES[type]?.updated : updatedEvent
        const after = render(this.store, type, entry)
        const previous = previousAttributes(before, after)
        if (updatedName !== undefined && updatedName !== null && previous !== undefined) {
          this.record(updatedName, after, previous)
        }
        for (const name of alsoEmit) this.record(name, after, undefined)
      }
    }
  }

  /** Deletes the object; its `*.deleted` event carries the last full object, as Stripe's does. */
  remove<K extends ObjectType>(type: K, entry: Entry<ObjectsByType[K]>, options: { keepStub?: boolean; event?: string | null } = {}): void {
    const last = render(this.store, type, entry)
    this.store.remove(type, entry, options.keepStub ?? false)
    const name = options.event === undefined ? EVENT_NAMES[type]?.deleted : options.event
    if (name !== undefined && name !== null) this.record(name, last, undefined)
  }

  /** Records an event about the object as it is now. */
  emit(name: string, type: ObjectType, entry: Entry): void {
    this.record(name, render(this.store, type, entry), undefined)
  }

  private record(type: string, object: StripeObject, previous: Record<string, unknown> | undefined): void {
    if (!this.recordEvents) return
    this.account.events.record({
      id: this.ids.long("evt"),
      type,
      object,
      previousAttributes: previous,
      request: this.request,
      created: this.now,
      visibleAtMs: this.account.scope.faults.eventVisibleAt(Date.now())
    })
  }
}

export interface Change {
  /** `updatedEvent`: the event for the diff (default `*.updated`; `null` for none). */
  commit(alsoEmit?: ReadonlyArray<string>, updatedEvent?: string | null): void
}

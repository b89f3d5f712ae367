import { DAY_SECONDS } from "../internal/Clock.js"
import { Collection } from "../store/Collection.js"
import { Entry } from "../store/Entry.js"
import type { StripeObject } from "../store/StripeObject.js"

export interface StripeEvent extends StripeObject {
  readonly type: string
  readonly created: number
}

export interface EventRequest {
  readonly id: string | null
  readonly idempotency_key: string | null
}

export const NO_REQUEST: EventRequest = { id: null, idempotency_key: null }

/** Stripe keeps events for 30 days; older ones can be neither listed nor retrieved. */
export const EVENT_RETENTION_SECONDS = 30 * DAY_SECONDS

export interface NewEvent {
  /** `evt_…`, from the writer's id stream (the seeder's or the runtime's). */
  readonly id: string
  readonly type: string
  readonly object: StripeObject
  readonly previousAttributes: Record<string, unknown> | undefined
  readonly request: EventRequest
  readonly created: number
  readonly visibleAtMs: number
}

/** An account's events, ordered like any collection (oldest → newest by `created`, then `seq`). */
export class EventLog {
  readonly collection = new Collection<StripeEvent>("event")
  private seq = 0

  constructor(
    private readonly apiVersion: string,
    /** Set on connected accounts: their events carry `account`, as Stripe's do. */
    private readonly connectedAccountId: string | undefined
  ) {}

  record(event: NewEvent): Entry<StripeEvent> {
    const data: StripeEvent = {
      id: event.id,
      object: "event",
      ...(this.connectedAccountId === undefined ? {} : { account: this.connectedAccountId }),
      api_version: this.apiVersion,
      created: event.created,
      data:
        event.previousAttributes === undefined
          ? { object: event.object }
          : { object: event.object, previous_attributes: event.previousAttributes },
      livemode: false,
      pending_webhooks: 0,
      request: event.request,
      type: event.type
    }
    const entry = new Entry(data, event.created, this.seq++)
    entry.visibleAtMs = event.visibleAtMs
    this.collection.insert(entry)
    return entry
  }

  isRetained(entry: Entry<StripeEvent>, nowSeconds: number): boolean {
    return entry.created >= nowSeconds - EVENT_RETENTION_SECONDS
  }
}

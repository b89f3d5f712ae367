/**
 * A consumer is a named, durable view over `RECORDS` or `EVENTS` that workers read
 * through the HTTP consume API. It maps onto a JetStream durable pull consumer.
 */
import { Schema } from "effect"
import { CollectionId } from "./Collection.js"
import { ConsumerName, SyncId } from "./Ids.js"

export const ConsumerSource = Schema.Literal("records", "events")
export type ConsumerSource = typeof ConsumerSource.Type

export const DeliverPolicy = Schema.Literal("all", "new", "last_per_subject")
export type DeliverPolicy = typeof DeliverPolicy.Type

export const Wildcard = Schema.Literal("*")

// The id first: a value that is neither is refused with the id's own message (what an id
// looks like), which validation errors show first, rather than `Expected "*"`.
export const ConsumerFilters = Schema.Struct({
  collection_id: Schema.Union(CollectionId, Wildcard),
  sync_id: Schema.Union(SyncId, Wildcard)
})
export type ConsumerFilters = typeof ConsumerFilters.Type

export class ConsumerConfig extends Schema.Class<ConsumerConfig>("ConsumerConfig")({
  name: ConsumerName,
  source: ConsumerSource,
  filters: ConsumerFilters,
  ack_wait_ms: Schema.Number.pipe(Schema.int(), Schema.between(1_000, 3_600_000)),
  /** Delivery attempts before a message is dead-lettered; -1 means unlimited. */
  max_deliver: Schema.Number.pipe(
    Schema.int(),
    Schema.filter((n) => n === -1 || n >= 1, {
      message: () => "must be -1 (unlimited) or at least 1",
      // What the OpenAPI document says of the field: a filter's predicate has no JSON Schema of its own.
      description: "-1 (unlimited) or at least 1",
      jsonSchema: { anyOf: [{ const: -1 }, { minimum: 1 }] }
    })
  ),
  deliver_policy: DeliverPolicy,
  max_ack_pending: Schema.Number.pipe(Schema.int(), Schema.between(1, 100_000)),
  /**
   * When the consumer was created (ms since the epoch), kept by every change: tells its ack tokens
   * from those of an earlier consumer of the same name, deleted since, whose JetStream ack subjects
   * are the same. Not set on consumers created before it existed.
   */
  created_at_ms: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.nonNegative()))
}) {}

export const consumerDefaults = {
  filters: { collection_id: "*", sync_id: "*" },
  ack_wait_ms: 30_000,
  max_deliver: -1,
  deliver_policy: "all",
  max_ack_pending: 10_000
} as const

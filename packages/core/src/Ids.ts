/**
 * Branded identifiers. Each id that crosses a service boundary has a brand, so a
 * `SyncId` can never be passed where a `ConsumerName` is expected.
 */
import { Schema } from "effect"

/** Subject- and KV-key-safe token: it appears verbatim in NATS subjects and bucket keys. */
const SafeToken = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]+$/, {
    message: () => "must contain only letters, digits, '_' and '-'"
  }),
  Schema.maxLength(64)
)

export const SyncId = SafeToken.pipe(Schema.brand("SyncId"))
export type SyncId = typeof SyncId.Type

export const ConsumerName = SafeToken.pipe(Schema.brand("ConsumerName"))
export type ConsumerName = typeof ConsumerName.Type

/** An upstream source, such as `stripe`. Lower-case letters only: it names a Postgres schema. */
export const SourceName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9]*$/, { message: () => "must be lower-case letters and digits" }),
  Schema.brand("SourceName")
)
export type SourceName = typeof SourceName.Type

/** The id of a record in the upstream API (`cus_123`). Any non-empty string. */
export const UpstreamId = Schema.String.pipe(Schema.minLength(1), Schema.brand("UpstreamId"))
export type UpstreamId = typeof UpstreamId.Type

/** Tributary's own record id: unique across syncs and sources (a name-based UUID). */
export const RecordId = Schema.UUID.pipe(Schema.brand("RecordId"))
export type RecordId = typeof RecordId.Type

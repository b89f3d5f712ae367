/**
 * Request and response bodies. Requests are decoded with these Schemas and `/openapi.json`
 * is generated from the same Schemas. Unknown fields in a body are refused (400 naming the
 * field) rather than silently ignored.
 */
import { ChangeEvent, Collection, ConsumerConfig, Ids, ProxyCredentials, Record, SyncConfig, SyncStatus } from "@tributary/core"
import { Schema } from "effect"

/** An optional field that, when present, is never `undefined` (exactOptionalPropertyTypes). */
const opt = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

const strict = { parseOptions: { onExcessProperty: "error" } } as const

const fields = ConsumerConfig.ConsumerConfig.fields
const defaults = ConsumerConfig.consumerDefaults

export const ConsumerFilters = Schema.Struct({
  collection_id: Schema.optionalWith(fields.filters.fields.collection_id, { default: () => "*" as const }),
  sync_id: Schema.optionalWith(fields.filters.fields.sync_id, { default: () => "*" as const })
}).annotations(strict)

export const CreateConsumer = Schema.Struct({
  name: fields.name,
  source: Schema.optionalWith(fields.source, { default: () => "records" as const }),
  filters: Schema.optionalWith(ConsumerFilters, { default: () => defaults.filters }),
  ack_wait_ms: Schema.optionalWith(fields.ack_wait_ms, { default: () => defaults.ack_wait_ms }),
  max_deliver: Schema.optionalWith(fields.max_deliver, { default: () => defaults.max_deliver }),
  deliver_policy: Schema.optionalWith(fields.deliver_policy, { default: () => defaults.deliver_policy }),
  max_ack_pending: Schema.optionalWith(fields.max_ack_pending, { default: () => defaults.max_ack_pending })
}).annotations({ ...strict, identifier: "CreateConsumer" })

export const UpdateConsumer = Schema.Struct({
  name: opt(fields.name),
  source: opt(fields.source),
  filters: opt(Schema.Struct({
    collection_id: opt(fields.filters.fields.collection_id),
    sync_id: opt(fields.filters.fields.sync_id)
  }).annotations(strict)),
  ack_wait_ms: opt(fields.ack_wait_ms),
  max_deliver: opt(fields.max_deliver),
  deliver_policy: opt(fields.deliver_policy),
  max_ack_pending: opt(fields.max_ack_pending)
}).annotations({ ...strict, identifier: "UpdateConsumer" })

export const ConsumerView = Schema.Struct({
  ...fields,
  state: opt(Schema.Struct({
    num_pending: Schema.Number,
    num_ack_pending: Schema.Number,
    dead_letters: Schema.Number
  }))
}).annotations({ identifier: "Consumer" })

export const ConsumerList = Schema.Struct({ data: Schema.Array(ConsumerView) })

export const ConsumerPath = Schema.Struct({ name: Ids.ConsumerName })

/**
 * An integer query parameter, `fallback` when absent. Its encoded side is the query's string, so
 * the OpenAPI document would call it a string without bounds or default: it is told them.
 */
const integerParam = (
  bounds: Schema.Schema<number, string>,
  documented: { readonly minimum: number; readonly maximum?: number },
  fallback: number
) =>
  Schema.optionalWith(bounds.annotations({ jsonSchema: { type: "integer", ...documented, default: fallback } }), {
    default: () => fallback
  })

// Query parameters are refused when unknown, as body fields are: `?batchsize=100` was a batch of one.
export const NextParams = Schema.Struct({
  batch_size: integerParam(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000)), { minimum: 1, maximum: 1000 }, 1),
  wait_for: integerParam(Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 60_000)), { minimum: 0, maximum: 60_000 }, 0)
}).annotations(strict)

/**
 * What `POST …/next` takes as a body: nothing, or `{}` (some clients send one with every POST).
 * Its parameters are the query's, as for `GET`; a body that has any was ignored, so a worker
 * sending `{"batch_size": 100}` got batches of one, and is now told where they go.
 */
export const NextPostBody = Schema.NullOr(
  Schema.Record({ key: Schema.String, value: Schema.Never }).annotations({
    identifier: "NoNextBody",
    description: "none, or {}: batch_size and wait_for are query parameters",
    message: () => ({
      message: "next takes batch_size and wait_for in the query string (?batch_size=10&wait_for=5000), not in a body",
      override: true
    })
  })
)

export const Delivered = Schema.Struct({
  ack_token: Schema.String,
  record: opt(Record.Record),
  event: opt(ChangeEvent.ChangeEvent)
})

export const NextResponse = Schema.Struct({
  data: Schema.Array(Delivered),
  info: Schema.Struct({ num_pending: Schema.Number, num_ack_pending: Schema.Number })
}).annotations({ identifier: "NextResponse" })

const AckTokens = Schema.Array(Schema.String).pipe(Schema.minItems(1), Schema.maxItems(1000))

export const AckRequest = Schema.Struct({ ack_tokens: AckTokens }).annotations({ ...strict, identifier: "AckRequest" })

export const NackRequest = Schema.Struct({
  ack_tokens: AckTokens,
  delay_ms: Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.between(0, 3_600_000)), { default: () => 0 })
}).annotations({ ...strict, identifier: "NackRequest" })

export const DeadLetterParams = Schema.Struct({
  after: integerParam(Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative()), { minimum: 0 }, 0),
  limit: integerParam(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000)), { minimum: 1, maximum: 1000 }, 100)
}).annotations(strict)

export const DeadLetter = Schema.Struct({
  seq: Schema.Number,
  subject: Schema.String,
  attempts: Schema.Number,
  dead_lettered_at: Schema.String,
  record: opt(Schema.Unknown),
  event: opt(Schema.Unknown)
})

export const DeadLetterList = Schema.Struct({ data: Schema.Array(DeadLetter), next_after: Schema.NullOr(Schema.Number) })

export const RedriveRequest = Schema.Struct({
  limit: Schema.optionalWith(Schema.Number.pipe(Schema.int(), Schema.between(1, 100_000)), { default: () => 10_000 })
}).annotations({ ...strict, identifier: "RedriveRequest" })

/**
 * No body (read as `null`) takes the defaults. Not `Schema.Void`, which accepts any value and
 * would let a bad `limit` through as "no body".
 */
export const RedriveBody = Schema.NullOr(RedriveRequest)

export const RedriveResponse = Schema.Struct({ redriven: Schema.Number })

const syncFields = SyncConfig.SyncConfig.fields

const ApiKey = Schema.String.pipe(Schema.minLength(1))

/** Fields a sync is created with and may be changed by later, alike in both bodies. */
const settableSyncFields = {
  name: opt(Schema.String),
  external_id: opt(Schema.NullOr(Schema.String)),
  metadata: opt(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  rate_budget: opt(SyncConfig.RateBudget),
  collections: opt(Schema.Union(Schema.Literal("all"), Schema.Array(Collection.CollectionId))),
  delete_mode: opt(SyncConfig.DeleteMode)
}

export const CreateSync = Schema.Struct({
  id: opt(Ids.SyncId),
  source: SyncConfig.SupportedSource,
  api_key: ApiKey,
  account: opt(Schema.String),
  api_base_url: opt(Schema.String),
  ...settableSyncFields
}).annotations({ ...strict, identifier: "CreateSync" })

const { api_key: _apiKey, ...publicSyncFields } = syncFields

export const SyncView = Schema.Struct({
  ...publicSyncFields,
  status: Schema.NullOr(SyncStatus.SyncStatus)
}).annotations({ identifier: "Sync" })

export const SyncList = Schema.Struct({ data: Schema.Array(SyncView) })

export const UpdateSync = Schema.Struct({
  api_key: opt(ApiKey),
  // `null` unsets them.
  account: opt(Schema.NullOr(Schema.String)),
  api_base_url: opt(Schema.NullOr(Schema.String)),
  ...settableSyncFields
}).annotations({ ...strict, identifier: "UpdateSync" })

export const SyncPath = Schema.Struct({ id: Ids.SyncId })

export const CreateProxyCredential = Schema.Struct({
  name: Schema.optionalWith(ProxyCredentials.CredentialName, { default: () => "app" })
}).annotations({ ...strict, identifier: "CreateProxyCredential" })

/** What no body means: `{}`, every field at its default. */
export const defaultProxyCredential = Schema.decodeUnknownSync(CreateProxyCredential)({})

/**
 * Every field is optional, so no body (read as `null`) is `{}`, as for a redrive. A body that
 * is there is still decoded strictly (not `Schema.Void`, which would take anything).
 */
export const CreateProxyCredentialBody = Schema.NullOr(CreateProxyCredential)

/** A proxy credential as listed: never its password, which only an issue or a rotation shows, once. */
export const ProxyCredentialView = Schema.Struct({
  user: Schema.String,
  sync_id: Ids.SyncId,
  created_at: Schema.String,
  rotated_at: Schema.String
}).annotations({ identifier: "ProxyCredential" })

export const IssuedProxyCredential = Schema.Struct({
  ...ProxyCredentialView.fields,
  password: Schema.String
}).annotations({ identifier: "IssuedProxyCredential", description: "The password is shown here only" })

export const ProxyCredentialList = Schema.Struct({ data: Schema.Array(ProxyCredentialView) })

export const ProxyCredentialPath = Schema.Struct({ id: Ids.SyncId, name: ProxyCredentials.CredentialName })

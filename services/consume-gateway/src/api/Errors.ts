/**
 * Error bodies of the HTTP API. Every body has `_tag` (a stable code) and `message` (what went
 * wrong and what to do); validation errors add `field`, the dotted path of the bad input.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  field: Schema.String
}, HttpApiSchema.annotations({ status: 400, description: "The request is invalid; `field` names the input at fault" })) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 401, description: "Missing or unknown bearer token" })) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 403, description: "Closed: `/metrics` without a configured metrics token" })) {}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 404 })) {}

/**
 * A route's path under a method it does not take (`Allow` lists those it does). Not an error of
 * any endpoint, so not in the OpenAPI document: it is the answer to a request that matches none.
 */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 405 })) {}

export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String,
  field: Schema.optional(Schema.String)
}, HttpApiSchema.annotations({ status: 409, description: "The change cannot be applied as asked" })) {}

export class StaleAckTokens extends Schema.TaggedError<StaleAckTokens>()("StaleAckTokens", {
  message: Schema.String,
  stale: Schema.Array(Schema.Struct({ ack_token: Schema.String, state: Schema.String, reason: Schema.String }))
}, HttpApiSchema.annotations({
  status: 409,
  description: "Some tokens no longer hold their message (redelivered since, or settled already); " +
    "nothing was done for those, the others were applied"
})) {}

export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", {
  message: Schema.String,
  retry_after_seconds: Schema.Number
}, HttpApiSchema.annotations({ status: 429, description: "Back-pressure: retry after the `Retry-After` header's seconds" })) {}

export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 503, description: "NATS could not be reached or refused the operation" })) {}

export class JetStreamRefused extends Schema.TaggedError<JetStreamRefused>()("JetStreamRefused", {
  message: Schema.String,
  jetstream: Schema.Struct({ code: Schema.Number, description: Schema.String })
}, HttpApiSchema.annotations({
  status: 502,
  description: "JetStream answered with a status the gateway does not expect (`jetstream`): its consumer is not as the gateway set it up"
})) {}

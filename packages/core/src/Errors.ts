/**
 * Errors that cross a boundary. Foreign errors (NATS, pg, HTTP clients) are converted
 * into these once, at the adapter, keyed on codes rather than message text. Every
 * message says what went wrong and, where the user can act, what to do.
 */
import { Schema } from "effect"

export class InvalidSubjectToken extends Schema.TaggedError<InvalidSubjectToken>()("InvalidSubjectToken", {
  token: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `not a Tributary subject token: ${JSON.stringify(this.token)} (${this.reason})`
  }
}

/** NATS could not be reached, or a JetStream API call failed. */
export class NatsError extends Schema.TaggedError<NatsError>()("NatsError", {
  operation: Schema.String,
  /** JetStream API error code (`err_code`), when the server gave one. */
  code: Schema.optional(Schema.Number),
  /** The request got no answer within its timeout (a server that hangs, a connection dead without a word). */
  timedOut: Schema.optional(Schema.Boolean),
  detail: Schema.String,
  /** What to do about it, when the failure says (no server at the URL: which setting names it). */
  hint: Schema.optional(Schema.String)
}) {
  override get message() {
    const failed = `NATS ${this.operation} failed${this.code === undefined ? "" : ` (code ${this.code})`}: ${this.detail}`
    return this.hint === undefined ? failed : `${failed}; ${this.hint}`
  }
}

/** The NATS server's `max_payload` leaves no room for what a service must be able to publish. */
export class MaxPayloadTooSmall extends Schema.TaggedError<MaxPayloadTooSmall>()("MaxPayloadTooSmall", {
  what: Schema.String,
  maxPayload: Schema.Number,
  needed: Schema.Number
}) {
  override get message() {
    return `the NATS server's max_payload is ${this.maxPayload} bytes, but ${this.what} needs at least ${this.needed}: ` +
      `raise max_payload in the nats-server configuration (its default is 1 MB)`
  }
}

/** An existing stream or bucket has a setting that cannot be changed in place. */
export class StreamConfigConflict extends Schema.TaggedError<StreamConfigConflict>()("StreamConfigConflict", {
  resource: Schema.String,
  field: Schema.String,
  expected: Schema.Unknown,
  actual: Schema.Unknown
}) {
  override get message() {
    return `${this.resource}: ${this.field} is ${JSON.stringify(this.actual)} but Tributary needs ` +
      `${JSON.stringify(this.expected)}, and JetStream cannot change it in place. ` +
      `Back up and delete ${this.resource}, or point Tributary at another namespace (TRIBUTARY_NAMESPACE).`
  }
}

export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  operation: Schema.String,
  /** SQLSTATE, when Postgres answered. */
  sqlstate: Schema.optional(Schema.String),
  /** What went wrong: Postgres' message, or ours when Postgres did not answer. */
  detail: Schema.String,
  /** Postgres' DETAIL, which often names what the message does not (`\u0000 cannot be converted to text.`). */
  postgresDetail: Schema.optional(Schema.String),
  /** Postgres' HINT: what to do about it. */
  hint: Schema.optional(Schema.String)
}) {
  override get message() {
    return `Postgres ${this.operation} failed${this.sqlstate === undefined ? "" : ` (${this.sqlstate})`}: ${this.detail}` +
      (this.postgresDetail === undefined ? "" : `; DETAIL: ${this.postgresDetail}`) +
      (this.hint === undefined ? "" : `; HINT: ${this.hint}`)
  }
}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  kind: Schema.String,
  id: Schema.String
}) {
  override get message() {
    return `no ${this.kind} named ${JSON.stringify(this.id)}`
  }
}

/** Something of that name exists already (a sync created twice under one id). */
export class AlreadyExists extends Schema.TaggedError<AlreadyExists>()("AlreadyExists", {
  kind: Schema.String,
  id: Schema.String
}) {
  override get message() {
    return `a ${this.kind} named ${JSON.stringify(this.id)} exists already`
  }
}

/** Input from a user (HTTP body, CLI flag, SQL) is not acceptable. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  field: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.field}: ${this.detail}`
  }
}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

/** A stored secret cannot be decrypted: usually TRIBUTARY_SECRET_KEY differs from the one that encrypted it. */
export class SecretUnreadable extends Schema.TaggedError<SecretUnreadable>()("SecretUnreadable", {
  detail: Schema.String
}) {
  override get message() {
    return `cannot decrypt a stored secret (${this.detail}); is TRIBUTARY_SECRET_KEY the key it was encrypted with?`
  }
}

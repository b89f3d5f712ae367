/** What can go wrong managing consumers, in words an operator can act on. */
import { Schema } from "effect"

export class ConsumerExists extends Schema.TaggedError<ConsumerExists>()("ConsumerExists", {
  name: Schema.String
}) {
  override get message() {
    return `a consumer named ${JSON.stringify(this.name)} already exists; choose another name or PATCH the existing one`
  }
}

/** A change JetStream cannot apply to a live consumer (or that would change what the consumer is). */
export class ConsumerChangeRefused extends Schema.TaggedError<ConsumerChangeRefused>()("ConsumerChangeRefused", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.field} cannot be changed on an existing consumer: ${this.reason}`
  }
}

/**
 * JetStream answered a change of the consumer's JetStream consumers with an error (as opposed
 * to not answering): the PATCH is undone, in the bucket and in JetStream.
 */
export class ConsumerUpdateRefused extends Schema.TaggedError<ConsumerUpdateRefused>()("ConsumerUpdateRefused", {
  name: Schema.String,
  /** The field of the PATCH the refusal is about, or `config` when JetStream's code does not say. */
  field: Schema.String,
  /** JetStream's `err_code`. */
  code: Schema.Number,
  detail: Schema.String,
  /** The JetStream consumer that refused: the consumer's own, or the redrive consumer of its dead-letter stream. */
  stream: Schema.String,
  durable: Schema.String,
  /** The other JetStream consumer's refusal of the same change, when it refused too (both are always asked). */
  also: Schema.optional(Schema.Struct({ stream: Schema.String, durable: Schema.String, code: Schema.Number, detail: Schema.String }))
}) {
  override get message() {
    return `JetStream refused to change consumer ${JSON.stringify(this.name)} (its JetStream consumer ${this.durable} on ` +
      `${this.stream}, err_code ${this.code}): ${this.detail}. ` +
      (this.also === undefined ? "" : `It refused the change of ${this.also.durable} on ${this.also.stream} too ` +
        `(err_code ${this.also.code}): ${this.also.detail}. `) +
      `The consumer is unchanged: nothing of this change was kept, in the consumers bucket or in JetStream.` +
      (this.field === "filters"
        ? ` The stream's subjects do not cover the new filters (see \`nats stream info ${this.stream}\`).`
        : ` If ${this.stream} or ${this.durable} was changed outside Tributary, put it back ` +
          `(see \`nats stream info ${this.stream}\` and \`nats consumer info ${this.stream} ${this.durable}\`).`)
  }
}

/** Someone else changed the consumer between our read and our write. */
export class ConsumerChangedConcurrently extends Schema.TaggedError<ConsumerChangedConcurrently>()(
  "ConsumerChangedConcurrently",
  { name: Schema.String }
) {
  override get message() {
    return `consumer ${JSON.stringify(this.name)} was changed by another request at the same time; read it again and retry`
  }
}

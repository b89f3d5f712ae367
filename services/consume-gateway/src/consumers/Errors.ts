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

/** Someone else changed the consumer between our read and our write. */
export class ConsumerChangedConcurrently extends Schema.TaggedError<ConsumerChangedConcurrently>()(
  "ConsumerChangedConcurrently",
  { name: Schema.String }
) {
  override get message() {
    return `consumer ${JSON.stringify(this.name)} was changed by another request at the same time; read it again and retry`
  }
}

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

/** A JetStream consumer, by its stream and durable name. */
const JetStreamConsumerRef = { stream: Schema.String, durable: Schema.String }

/**
 * What undoing a refused PATCH did: whether the previous config went back into the consumers
 * bucket, and, for each JetStream consumer that had taken the change, whether it was put back.
 */
export const Undo = Schema.Struct({
  /** `superseded`: another PATCH was written since, and decides; `failed`: NATS did not answer (`bucket_failure`). */
  bucket: Schema.Literal("restored", "superseded", "failed"),
  bucket_failure: Schema.optional(Schema.String),
  took: Schema.Array(Schema.Struct({ ...JetStreamConsumerRef, restored: Schema.Boolean, failure: Schema.optional(Schema.String) }))
})
export type Undo = typeof Undo.Type

const named = (ref: { readonly stream: string; readonly durable: string }) => `${ref.durable} on ${ref.stream}`

const list = (refs: ReadonlyArray<{ readonly stream: string; readonly durable: string }>) => refs.map(named).join(" and ")

/** What the undo left, in words: exactly what was changed and what was put back. */
const describeUndo = (undo: Undo): string => {
  const restored = undo.took.filter((t) => t.restored)
  const kept = undo.took.filter((t) => !t.restored)
  const took = undo.took.length === 0
    ? "No JetStream consumer took the change."
    : `JetStream took the change for ${list(undo.took)}.`
  if (undo.bucket === "superseded") {
    return `${took} The previous config was not put back: another PATCH of the consumer was written since, and the ` +
      "consumer has that one's config (in the consumers bucket, and in JetStream once that PATCH has applied it); read it again."
  }
  if (undo.bucket === "failed") {
    return `${took} The previous config could not be put back into the consumers bucket (${undo.bucket_failure ?? "no answer"}), ` +
      "so it may still hold this change; read the consumer again."
  }
  if (kept.length === 0) {
    return `${took} The consumer is unchanged: the consumers bucket` +
      (restored.length === 0 ? " was put back to the previous config." : ` and ${list(restored)} were put back to the previous config.`)
  }
  return `${took} The consumers bucket was put back to the previous config` +
    (restored.length === 0 ? "" : `, and so was ${list(restored)}`) + "; " +
    kept.map((t) => `${named(t)} could not be put back (${t.failure ?? "no answer"}) and keeps the change`).join("; ") +
    ", while the consumers bucket has the previous config. Once what JetStream refused is fixed, PATCH the consumer again " +
    "(any PATCH applies its whole config to both JetStream consumers)."
}

/**
 * JetStream answered a change of the consumer's JetStream consumers with an error (as opposed
 * to not answering). A PATCH undoes it (`undo` says how far that got); the reconciler, which
 * applies the bucket's config, does not set `undo`.
 */
export class ConsumerUpdateRefused extends Schema.TaggedError<ConsumerUpdateRefused>()("ConsumerUpdateRefused", {
  name: Schema.String,
  /** The field of the PATCH the refusal is about, or `config` when JetStream's code does not say. */
  field: Schema.String,
  /** JetStream's `err_code`. */
  code: Schema.Number,
  detail: Schema.String,
  /** The JetStream consumer that refused: the consumer's own, or the redrive consumer of its dead-letter stream. */
  ...JetStreamConsumerRef,
  /** The other JetStream consumer's refusal of the same change, when it refused too (both are always asked). */
  also: Schema.optional(Schema.Struct({ ...JetStreamConsumerRef, code: Schema.Number, detail: Schema.String })),
  undo: Schema.optional(Undo)
}) {
  override get message() {
    return `JetStream refused to change consumer ${JSON.stringify(this.name)} (its JetStream consumer ${named(this)}, ` +
      `err_code ${this.code}): ${this.detail}. ` +
      (this.also === undefined ? "" : `It refused the change of ${named(this.also)} too ` +
        `(err_code ${this.also.code}): ${this.also.detail}. `) +
      (this.undo === undefined ? "" : `${describeUndo(this.undo)} `) +
      (this.field === "filters"
        ? `The stream's subjects do not cover the new filters (see \`nats stream info ${this.stream}\`).`
        : `If ${this.stream} or ${this.durable} was changed outside Tributary, put it back ` +
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

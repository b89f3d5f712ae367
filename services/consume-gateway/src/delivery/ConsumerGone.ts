/**
 * Whether a consumer's JetStream consumer is gone, read from JetStream's answer about it (its
 * info), keyed on JetStream's codes, never guessed from a pull that was not served:
 *
 * - nats-server 2.9 leaves a pull of a consumer that is not there unanswered (its JetStream API
 *   takes every `$JS.API.>` subject), the same as a pull of a consumer at `max_ack_pending`;
 * - a pull answered "no responders" (503) means nobody served its subject at that moment: a
 *   deleted consumer, or one that is moving (while JetStream restarts, or a cluster elects a new
 *   leader for it), or JetStream not there at all.
 *
 * The consumer (or its stream) not found is `gone`; info answered is `moving`, to retry; info not
 * answered either is `unreachable` (JetStream down, or without a leader), to retry too.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream"

export type Verdict = "gone" | "moving" | "unreachable"

/** JetStream answered that the consumer, or its stream, is not there. */
export const isGone = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.ConsumerNotFound || error.code === JetStreamApiCodes.StreamNotFound)

/** The verdict from asking for the consumer's info (`info`, e.g. `jsm.consumers.info(stream, durable)`). */
export const classify = (info: () => Promise<unknown>): Promise<Verdict> =>
  info().then(() => "moving", (error: unknown) => isGone(error) ? "gone" : "unreachable")

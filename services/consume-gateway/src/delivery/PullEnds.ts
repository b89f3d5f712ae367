/**
 * What the end of a pull (`PullStatus` in `wire/Wire.ts`, where JetStream's statuses are
 * classified) means for the `/next` request that made it: nothing (messages, or none for now),
 * or the failure that ends the request:
 *
 * - `disconnected`: the connection to NATS was lost: 503 `NatsUnavailable`;
 * - `consumerGone`: the JetStream consumer was deleted (through another replica): 404;
 * - `noResponders`: only the consumer's info says whether it is gone (404) or moving or
 *   unreachable (`ConsumerGone.classify`): 503 `JetStreamUnavailable`, but within a long poll,
 *   which goes on through such a moment as through an empty pull;
 * - `maxWaiting`: JetStream's own limit of waiting pulls: 429;
 * - `refused`: a status with no meaning here (the JetStream consumer is not as the gateway made
 *   it): 502 `PullRefused`, also logged and counted;
 * - `timeout` with nothing pulled, within a long poll: the server never ended the pull (the
 *   wire's guard timer did); a server that hangs answers nothing else either, so it is asked for
 *   the consumer's info once: its failure is the request's, an answer means an empty batch.
 */
import type { Msg } from "@nats-io/transport-node"
import type { Resources } from "../consumers/Resources.js"
import type { Metrics } from "../observability/Metrics.js"
import { NatsUnavailable } from "../wire/Wire.js"
import type { PullStatus, Wire } from "../wire/Wire.js"
import * as ConsumerGone from "./ConsumerGone.js"
import { Backpressure, JetStreamUnavailable, PullRefused, UnknownConsumer } from "./Failures.js"
import * as RetryAfter from "./RetryAfter.js"

export interface PullEndContext {
  readonly wire: Wire
  readonly metrics: Metrics
  readonly warn: (message: string, fields: Readonly<Record<string, string | number>>) => void
  readonly consumer: string
  readonly resources: Resources
  /** JetStream's info of the consumer's JetStream consumer, as it answers (or fails). */
  readonly info: () => Promise<unknown>
  /** Fresh counts from that info; JetStream saying the consumer is not there is `UnknownConsumer`. */
  readonly refreshCounts: () => Promise<void>
}

export interface Pulled {
  readonly messages: ReadonlyArray<Msg>
  readonly status: PullStatus
}

export const unavailable = (wire: Wire): NatsUnavailable =>
  new NatsUnavailable(wire.unavailable ?? "the connection to NATS was lost")

/** Before anything is asked of NATS: while the connection is lost, say so at once. */
export const connected = (wire: Wire): void => {
  if (wire.unavailable !== undefined) throw unavailable(wire)
}

/**
 * A pull status with no meaning here: the JetStream consumer is not as the gateway made it.
 * Said to the caller, the log and the metrics rather than answered as an empty batch.
 */
export const refused = (ctx: PullEndContext, stream: string, durable: string, status: PullStatus): never => {
  const { consumer } = ctx
  const failure = new PullRefused(consumer, stream, durable, status.code, status.description)
  ctx.metrics.pullsRefused.inc({ consumer, code: String(status.code), description: status.description })
  ctx.warn(failure.message, { consumer, stream, durable, jetstream_code: status.code, jetstream_description: status.description })
  throw failure
}

/** Throws for the end of a pull of the dead-letter stream's `redrive` consumer that ends the request. */
export const checkRedrive = (ctx: PullEndContext, { status }: Pulled): void => {
  if (status.end === "disconnected") throw unavailable(ctx.wire)
  if (status.end === "refused") refused(ctx, ctx.resources.deadLetterStream, ctx.resources.redriveDurable, status)
}

/**
 * Throws for the end of a pull of the consumer's stream that ends the request. `waiting`: within
 * a long poll, which goes on (after a pause) through a moment JetStream does not serve the
 * consumer, as through an empty pull.
 */
export const check = async (ctx: PullEndContext, { messages, status }: Pulled, within: "now" | "waiting"): Promise<void> => {
  if (status.end === "disconnected") throw unavailable(ctx.wire)
  // Deleted: the JetStream consumer is gone (deleted through another replica).
  if (status.end === "consumerGone") throw new UnknownConsumer(ctx.consumer)
  const { stream, durable } = ctx.resources
  if (status.end === "noResponders") {
    const verdict = await ConsumerGone.classify(ctx.info)
    if (verdict === "gone") throw new UnknownConsumer(ctx.consumer)
    connected(ctx.wire)
    if (within === "now") throw new JetStreamUnavailable(ctx.consumer, stream, durable, verdict)
    return
  }
  if (status.end === "maxWaiting") {
    throw new Backpressure(`JetStream: ${status.description}: too many pulls are waiting for consumer ${ctx.consumer}`,
      RetryAfter.AT_JETSTREAM_MAX_WAITING_SECONDS)
  }
  if (status.end === "refused") refused(ctx, stream, durable, status)
  if (status.end === "timeout" && within === "waiting" && messages.length === 0) await ctx.refreshCounts()
}

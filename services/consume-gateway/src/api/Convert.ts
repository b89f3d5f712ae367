/**
 * Domain and engine failures become HTTP errors here, once, keyed on their tags and classes.
 */
import { TimeoutError } from "@nats-io/transport-node"
import type { Errors } from "@tributary/core"
import { Effect } from "effect"
import type { ConsumerChangeRefused, ConsumerChangedConcurrently, ConsumerExists, ConsumerUpdateRefused } from "../consumers/Errors.js"
import {
  Backpressure,
  InvalidTokens,
  JetStreamUnavailable,
  PullRefused,
  StaleTokens,
  UnknownConsumer,
  describeRejection,
  describeState
} from "../delivery/Failures.js"
import { JetStreamFailure } from "../wire/Kv.js"
import { NatsUnavailable, RequestTimeout } from "../wire/Wire.js"
import { Conflict, InvalidRequest, JetStreamRefused, NotFound, StaleAckTokens, TooManyRequests, Unavailable } from "./Errors.js"

type DomainError =
  | Errors.NotFound
  | Errors.AlreadyExists
  | Errors.InvalidInput
  | Errors.NatsError
  | Errors.SecretUnreadable
  | ConsumerExists
  | ConsumerChangeRefused
  | ConsumerUpdateRefused
  | ConsumerChangedConcurrently

export const fromDomain = (error: DomainError) => {
  switch (error._tag) {
    case "NotFound":
      return new NotFound({ message: error.message })
    case "InvalidInput":
      return new InvalidRequest({ message: error.message, field: error.field })
    case "AlreadyExists":
      return new Conflict({ message: error.message, field: "id" })
    case "ConsumerExists":
      return new Conflict({ message: error.message, field: "name" })
    case "ConsumerChangeRefused":
    case "ConsumerUpdateRefused":
      return new Conflict({ message: error.message, field: error.field })
    case "ConsumerChangedConcurrently":
      return new Conflict({ message: error.message })
    case "NatsError":
    case "SecretUnreadable":
      return new Unavailable({ message: error.message })
  }
}

export const domain = <A, R>(effect: Effect.Effect<A, DomainError, R>) => Effect.mapError(effect, fromDomain)

export const fromEngine = (error: unknown) => {
  if (error instanceof UnknownConsumer) return new NotFound({ message: error.message })
  if (error instanceof Backpressure) return new TooManyRequests({ message: error.message, retry_after_seconds: error.retryAfterSeconds })
  if (error instanceof InvalidTokens) {
    const first = error.rejected[0]
    return new InvalidRequest({
      message: error.message,
      field: first === undefined ? "ack_tokens" : `ack_tokens[${first.index}]`
    })
  }
  if (error instanceof StaleTokens) {
    return new StaleAckTokens({
      message: error.message,
      stale: error.stale.map((s) => ({ ack_token: s.token, state: s.state, reason: describeState(s.state) }))
    })
  }
  if (error instanceof PullRefused) {
    return new JetStreamRefused({ message: error.message, jetstream: { code: error.code, description: error.description } })
  }
  if (error instanceof JetStreamFailure || error instanceof JetStreamUnavailable) return new Unavailable({ message: error.message })
  if (error instanceof NatsUnavailable) return new Unavailable({ message: unreachable(error.reason) })
  if (error instanceof TimeoutError || error instanceof RequestTimeout) return new Unavailable({ message: unanswered(error.message) })
  return new Unavailable({ message: `NATS: ${error instanceof Error ? error.message : String(error)}` })
}

/**
 * NATS cannot be reached: nothing was delivered, and a settlement asked for may or may not have
 * been recorded, so the worker is told to send it again (the same ack again answers 204).
 */
export const unreachable = (reason: string): string =>
  `NATS is unreachable (${reason}): the gateway cannot serve this until it is back; retry in a moment. ` +
  "An ack, nack or progress answered with this may or may not have been applied: send it again once NATS is back " +
  "(a token already settled the same way answers 204)."

/**
 * NATS did not answer in time (overloaded, or a server that hangs: its connection still looks
 * open until missed pings close it, minutes later): the request's own deadline ended it.
 */
export const unanswered = (reason: string): string =>
  `NATS did not answer in time (${reason}): it may be overloaded or not responding; retry in a moment. ` +
  "An ack, nack or progress answered with this may or may not have been applied: send it again " +
  "(a token already settled the same way answers 204)."

/** A 429 carries `Retry-After`, which an error schema cannot set: its body and headers, for both HTTP paths. */
export const retryAfter = (error: TooManyRequests) => ({
  body: { _tag: error._tag, message: error.message, retry_after_seconds: error.retry_after_seconds },
  headers: { "retry-after": String(error.retry_after_seconds) }
})

/** Run an engine call; interruption (the client went away) aborts it. */
export const engine = <A>(run: (signal: AbortSignal) => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: fromEngine })

export { describeRejection }

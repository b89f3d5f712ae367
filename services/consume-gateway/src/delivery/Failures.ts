/**
 * Failures of the consume engine (plain errors: the engine is promise-based for speed); the
 * HTTP layer turns each into its response once, in `api/Convert.ts` (`fromEngine`).
 */
import type { Rejection } from "./AckToken.js"
import type { Settled } from "./Lifecycle.js"

export class UnknownConsumer extends Error {
  constructor(readonly consumer: string) {
    super(`no consumer named ${JSON.stringify(consumer)}`)
  }
}

/** Too much in flight or too many waiting requests: retry after `retryAfterSeconds`. */
export class Backpressure extends Error {
  constructor(readonly reason: string, readonly retryAfterSeconds: number) {
    super(reason)
  }
}

/**
 * JetStream ended a pull with a status the gateway has no meaning for (`refused` in
 * `wire/Wire.ts`): the JetStream consumer (or the server) is not as the gateway set it up.
 * Nothing was delivered; answering an empty batch would hide it from worker and operator alike.
 */
export class PullRefused extends Error {
  constructor(readonly consumer: string, readonly stream: string, readonly durable: string, readonly code: number,
    readonly description: string) {
    super(`JetStream refused the pull for consumer ${consumer}: ${code} ${description}; nothing was delivered. ` +
      `Its JetStream consumer ${durable} on ${stream} is not as the gateway set it up (changed outside Tributary?): ` +
      `see \`nats consumer info ${stream} ${durable}\` and put back what was changed.`)
  }
}

/**
 * JetStream did not serve the consumer's pull though the consumer is there (`moving`), or did
 * not answer at all (`unreachable`): a moment's outage, such as a restart or a leader change,
 * not a deleted consumer. Nothing was delivered; retry.
 */
export class JetStreamUnavailable extends Error {
  constructor(readonly consumer: string, readonly stream: string, readonly durable: string, verdict: "moving" | "unreachable") {
    super(`JetStream did not serve the pull for consumer ${consumer} (no responders for ${durable} on ${stream}) ` +
      (verdict === "moving"
        ? "though the JetStream consumer exists: it is moving (a JetStream restart or leader change)"
        : "and did not answer for the consumer's info either: JetStream is not available (restarting, or no leader)") +
      "; nothing was delivered, retry in a moment.")
  }
}

/** Tokens that are not this consumer's valid tokens; nothing in the request was applied. */
export class InvalidTokens extends Error {
  constructor(readonly rejected: ReadonlyArray<{ readonly index: number; readonly reason: Rejection }>) {
    super(`ack_tokens[${rejected.map((r) => r.index).join(", ")}]: ` +
      `${rejected.map((r) => describeRejection(r.reason)).filter((v, i, all) => all.indexOf(v) === i).join("; ")}`)
  }
}

/** Tokens whose message settled otherwise or was redelivered since; the other tokens were applied. */
export class StaleTokens extends Error {
  constructor(readonly stale: ReadonlyArray<{ readonly token: string; readonly state: Settled }>, readonly applied: number) {
    super(`${stale.length} ack token(s) no longer hold their message (${[...new Set(stale.map((s) => describeState(s.state)))]
      .join("; ")}); nothing was done for them. ${applied} other token(s) were applied.`)
  }
}

export const describeRejection = (reason: Rejection): string => {
  switch (reason) {
    case "malformed":
      return "not an ack token issued by Tributary"
    case "bad_signature":
      return "the signature does not match (forged or altered token)"
    case "other_consumer":
      return "the token belongs to another consumer"
    case "earlier_consumer":
      return "the token belongs to an earlier consumer of that name, deleted since: it settles nothing of this one"
  }
}

export const describeState = (state: Settled): string => {
  switch (state) {
    case "expired":
      return "expired: the ack wait passed and the message was delivered again since, so it must be processed from its new delivery"
    case "acked":
      return "already acked"
    case "nacked":
      return "already nacked: the message is available again"
    case "dead":
      return "dead-lettered after max_deliver attempts"
  }
}

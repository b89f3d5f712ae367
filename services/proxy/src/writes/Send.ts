/**
 * Sending a statement's rows to the API: in requests of the connector's `batchSize` rows
 * (Stripe takes one object per request), one after the other, within one deadline for the
 * whole statement. An API that takes one object per request cannot make a multi-row
 * statement atomic, so when a request fails part-way the rows written before it are kept
 * and reported: the caller applies them to Postgres and says exactly which rows made it.
 */
import type { Connector, UpstreamErrors } from "@tributary/core"
import { Cause, Effect, Exit, Option } from "effect"

export type Stop =
  /** The API answered with an error: nothing of this request was applied. */
  | { readonly _tag: "Refused"; readonly error: UpstreamErrors.UpstreamError }
  /** The deadline passed while a request was out: its rows may or may not have been applied. */
  | { readonly _tag: "NoAnswer" }
  /** The client canceled the statement while a request was out: its rows may or may not have been applied. */
  | { readonly _tag: "Canceled" }

export interface Sent {
  /** The objects as the API left them, in the order of the rows. */
  readonly written: ReadonlyArray<Connector.Observation>
  /** Why the statement stopped before its last row, if it did. */
  readonly stop?: Stop
  /** Rows never sent, because an earlier request stopped the statement. */
  readonly unsent: number
}

const isUpstreamError = (value: unknown): value is UpstreamErrors.UpstreamError =>
  typeof value === "object" && value !== null && "_tag" in value &&
  ["UpstreamRejected", "UpstreamUnavailable", "UpstreamRateLimited", "UpstreamAuthFailed"].includes(String(value._tag))

const batches = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size))
  return out
}

/** What ends the wait for the API before it answers; the first of them is the stop. */
type Ended = Exclude<Stop, { readonly _tag: "Refused" }>

/** `canceled`: the client canceled the statement (WriteCancel); it ends the wait as the deadline does. */
export const send = async (
  writer: Connector.Writer,
  ops: ReadonlyArray<Connector.WriteOp>,
  timeoutMs: number,
  canceled: AbortSignal
): Promise<Sent> => {
  const ending = new AbortController()
  let ended: Ended = { _tag: "NoAnswer" }
  const end = (why: Ended) => () => {
    if (ending.signal.aborted) return
    ended = why
    ending.abort()
  }
  const timer = setTimeout(end({ _tag: "NoAnswer" }), timeoutMs)
  const onCancel = end({ _tag: "Canceled" })
  canceled.addEventListener("abort", onCancel)
  const written: Array<Connector.Observation> = []
  let done = 0
  try {
    for (const batch of batches(ops, Math.max(1, writer.batchSize))) {
      const exit = await Effect.runPromiseExit(writer.write(batch), { signal: ending.signal })
      if (Exit.isSuccess(exit)) {
        written.push(...exit.value)
        done += batch.length
        continue
      }
      const unsent = ops.length - done - batch.length
      if (Cause.isInterruptedOnly(exit.cause)) return { written, stop: ended, unsent }
      // The proxy's requests runner lets outages and rate limits through as defects (see WriterDirectory).
      const error = Option.getOrUndefined(Option.orElse(Cause.failureOption(exit.cause), () => Cause.dieOption(exit.cause)))
      if (isUpstreamError(error)) return { written, stop: { _tag: "Refused", error }, unsent }
      throw Cause.squash(exit.cause)
    }
    return { written, unsent: 0 }
  } finally {
    clearTimeout(timer)
    canceled.removeEventListener("abort", onCancel)
  }
}

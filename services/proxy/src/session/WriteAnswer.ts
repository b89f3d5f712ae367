/**
 * A write run and its outcome as the messages that answer it. Whatever fails unforeseen
 * on the way (the write path, or building the answer from its result) answers with an
 * ERROR too (UnexpectedFailure), so the runner goes on as for any failed write.
 */
import * as Backend from "../wire/Backend.js"
import type { InStream } from "./InStream.js"
import * as UnexpectedFailure from "./UnexpectedFailure.js"
import type { Accepted, ExecuteRequest, WriteOutcome } from "./Writes.js"

export interface Answer {
  readonly ok: boolean
  readonly messages: Array<Buffer>
}

/** Runs the write; its answer: rows (with their description in a simple query), tag, or the error. */
export const run = async <W>(stream: InStream<W>, request: ExecuteRequest<W>, simple: boolean): Promise<Answer> => {
  let accepted: Accepted | undefined
  try {
    const outcome = await stream.writeCancel.during((canceled) => stream.writes.execute(request, canceled))
    if (outcome.ok) accepted = outcome.result.accepted
    return { ok: outcome.ok, messages: messagesOf(outcome, simple) }
  } catch (error) {
    stream.unexpected(error)
    return { ok: false, messages: [Backend.errorResponse(UnexpectedFailure.report(error, accepted))] }
  }
}

const messagesOf = (outcome: WriteOutcome, simple: boolean): Array<Buffer> => {
  if (!outcome.ok) {
    return [...(outcome.notices ?? []).map(Backend.noticeResponse), Backend.errorResponse(outcome.report)]
  }
  const { result } = outcome
  const out = result.notices.map(Backend.noticeResponse)
  if (simple && result.fields !== undefined) out.push(Backend.rowDescription(result.fields))
  for (const row of result.rows) out.push(Backend.dataRow(row))
  out.push(Backend.commandComplete(result.tag))
  return out
}

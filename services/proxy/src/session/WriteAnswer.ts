/** A write's outcome as the backend messages that answer it. */
import * as Backend from "../wire/Backend.js"
import type { WriteOutcome } from "./Writes.js"

/** The messages that answer a write: rows (with their description in a simple query), tag. */
export const messagesOf = (outcome: WriteOutcome, simple: boolean): Array<Buffer> => {
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

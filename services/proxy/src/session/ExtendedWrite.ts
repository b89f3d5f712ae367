/**
 * A write to a synced table executed in an extended-protocol batch: run by the proxy in
 * the place of the client's Execute, its answer sent where upstream's would be.
 */
import * as Backend from "../wire/Backend.js"
import * as OwnRequests from "./OwnRequests.js"
import type { Portal } from "./PreparedWrites.js"
import * as SessionQuestions from "./SessionQuestions.js"
import * as UnexpectedFailure from "./UnexpectedFailure.js"
import * as WriteAnswer from "./WriteAnswer.js"
import type { InStream } from "./InStream.js"

export const run = async <W>(stream: InStream<W>, portal: Portal<W>): Promise<void> => {
  const { session } = stream
  // Postgres would have skipped this Execute after an earlier failure in the batch.
  if (session.failed) return
  let failing = false
  try {
    const sessionParameters = await SessionQuestions.writeSettings(stream.ask, stream.parameters, false)
    if (sessionParameters === undefined) {
      stream.ignoreUntilSync()
      return
    }
    // Outside a block, the write escapes the batch's implicit transaction when other statements share it.
    const inTransaction = session.status !== "I" || session.ranInBatch || (await stream.executeFollows())
    session.wroteInPlace()
    const answer = await WriteAnswer.run(stream, { ...portal.request, inTransaction, sessionParameters }, false)
    if (!answer.ok) {
      failing = true
      await failBatch(stream)
      stream.ignoreUntilSync()
    }
    stream.send(answer.messages)
  } catch (error) {
    // Unforeseen (UnexpectedFailure): the batch fails as for any failed write, once.
    stream.unexpected(error)
    if (!failing) await failBatch(stream)
    stream.ignoreUntilSync()
    stream.send([Backend.errorResponse(UnexpectedFailure.report(error, undefined))])
  }
}

/**
 * The proxy failed a statement of an extended-protocol batch: its transaction fails
 * upstream too, as in Postgres. A block is left aborted; an implicit transaction that
 * ran something is rolled back (one that ran nothing has nothing to undo).
 */
export const failBatch = async <W>(stream: InStream<W>): Promise<void> => {
  if (stream.session.status === "T" || stream.session.executedInBatch) await stream.ask(OwnRequests.abortBatch)
}

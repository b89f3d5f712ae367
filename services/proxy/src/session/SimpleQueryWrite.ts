/**
 * A simple query with a write to a synced table in it: a lone write is run by the proxy
 * in the query's place; a multi-statement query is run statement by statement, each
 * write by the proxy and each other statement upstream, inside the stand-in for the
 * query's implicit transaction (ImplicitTransaction). The client gets the answers in
 * order, then one ReadyForQuery, as from Postgres.
 */
import * as Backend from "../wire/Backend.js"
import { Q } from "../wire/MessageCodes.js"
import * as ImplicitTransaction from "./ImplicitTransaction.js"
import type { InStream } from "./InStream.js"
import * as OwnRequests from "./OwnRequests.js"
import * as SessionQuestions from "./SessionQuestions.js"
import * as UnexpectedFailure from "./UnexpectedFailure.js"
import * as WriteAnswer from "./WriteAnswer.js"
import type { SplitStatement, Verdict } from "./Writes.js"

export const run = async <W>(stream: InStream<W>, verdict: Verdict<W>, raw: Buffer): Promise<void> => {
  if (stream.session.status === "E") {
    // An aborted transaction refuses everything but its end: let Postgres say so.
    stream.forward(raw, Q)
    return
  }
  const progress: Progress = { standIn: false, pending: [] }
  try {
    await runQuery(stream, verdict, raw, progress)
  } catch (error) {
    // Unforeseen (UnexpectedFailure): the query fails as it would at a failed write.
    stream.unexpected(error)
    stream.send([...progress.pending, Backend.errorResponse(UnexpectedFailure.report(error, undefined))])
    if (progress.standIn) await stream.ask(OwnRequests.standIn.rollback)
    else await failBlock(stream)
    stream.send([Backend.readyForQuery(stream.session.status)])
  }
  // The client has its ReadyForQuery; upstream's idle timeouts count from now, as from Postgres' own.
  await stream.rearmIdleTimeouts()
}

/** How far a query has got: whether the relay's stand-in block is open upstream, the answers not yet sent. */
interface Progress {
  standIn: boolean
  pending: Array<Buffer>
}

const runQuery = async <W>(stream: InStream<W>, verdict: Verdict<W>, raw: Buffer, progress: Progress): Promise<void> => {
  const { session } = stream
  const resolved = verdict.kind === "resolve" ? await SessionQuestions.resolveNames(stream.ask, stream.writes, verdict, true) : { verdict }
  if (resolved === undefined) {
    stream.send([Backend.readyForQuery(session.status)])
    return
  }
  const decided = resolved.verdict
  if (decided.kind === "pass") {
    // Its names are no synced table's after all: the query goes upstream as sent.
    stream.forward(raw, Q)
    return
  }
  const split = decided.kind === "split"
  const statements: ReadonlyArray<SplitStatement<W>> = split ? decided.statements : [{ sql: "", verdict: decided }]
  // progress.standIn: the relay's block upstream in place of the query's implicit transaction (ImplicitTransaction).
  let failed = false
  const { pending } = progress
  for (const [index, statement] of statements.entries()) {
    // Answers so far go first: what upstream answers next (a part, or an error on the
    // proxy's own question) is relayed as it comes.
    stream.send(pending.splice(0))
    const step: ImplicitTransaction.Step | undefined = split
      ? ImplicitTransaction.before(statement.control, progress.standIn, session.status)
      : undefined
    if (step !== undefined && step.before !== "nothing") {
      const answered = await stream.ask(OwnRequests.standIn[step.before])
      // A stand-in that failed to open holds nothing; one committed or rolled back is over.
      progress.standIn = step.before === "open" && answered !== undefined
      if (answered === undefined) {
        failed = true
        break
      }
    }
    let part = statement.verdict
    // The settings asked with the search_path that resolved the statement's names, if it was resolved.
    let asked = split ? undefined : resolved.asked
    if (part.kind === "resolve") {
      const resolvedPart = await SessionQuestions.resolveNames(stream.ask, stream.writes, part, true)
      if (resolvedPart === undefined) {
        failed = true
        break
      }
      part = resolvedPart.verdict
      asked = resolvedPart.asked
    }
    if (part.kind === "pass") {
      const holdCompletion = progress.standIn && index === statements.length - 1
      if (!(await stream.runPart(statement.sql, { dropNotices: step?.dropNotices === true, holdCompletion }))) {
        failed = true
        break
      }
    } else {
      const answer = await runLocalPart(stream, part, asked)
      pending.push(...answer.messages)
      if (!answer.ok) {
        // The stand-in is rolled back below; a block of the client's fails.
        if (!progress.standIn) await failBlock(stream)
        failed = true
        break
      }
    }
    if (progress.standIn) progress.standIn = ImplicitTransaction.standsInAfter(statement.control, session.status)
  }
  // Postgres commits the implicit transaction before the last statement's CommandComplete,
  // and answers with the commit's error instead when that fails (a deferred constraint).
  const held = session.takeHeldCompletion()
  let completion = held === undefined ? [] : [Backend.commandComplete(held)]
  if (progress.standIn && failed) {
    progress.standIn = false
    await stream.ask(OwnRequests.standIn.rollback)
  } else if (progress.standIn) {
    if (held === undefined) completion = pending.splice(-1)
    stream.send(pending.splice(0))
    progress.standIn = false
    if ((await stream.ask(OwnRequests.standIn.commit)) === undefined) completion = []
  }
  // The last answer and ReadyForQuery leave together: one packet, no Nagle wait.
  stream.send([...pending.splice(0), ...completion, Backend.readyForQuery(session.status)])
}

/** A statement of the query the proxy answers itself: a write it runs, or one it refuses. */
const runLocalPart = async <W>(
  stream: InStream<W>,
  verdict: Verdict<W>,
  asked: ReadonlyMap<string, string> | undefined
): Promise<WriteAnswer.Answer> => {
  if (verdict.kind === "refuse") return { ok: false, messages: [Backend.errorResponse(verdict.report)] }
  if (verdict.kind !== "write") return { ok: true, messages: [] }
  const sessionParameters = await SessionQuestions.writeSettings(stream.ask, stream.parameters, true, asked)
  // The session failed the question, and its error was relayed.
  if (sessionParameters === undefined) return { ok: false, messages: [] }
  return WriteAnswer.run(stream, {
    write: verdict.write,
    parameters: [],
    parameterFormats: [],
    parameterTypes: [],
    resultFormats: [],
    inTransaction: stream.session.status !== "I",
    sessionParameters
  }, true)
}

/** The proxy failed a statement of a simple query: inside a transaction block, the block fails upstream too, as in Postgres. */
const failBlock = async <W>(stream: InStream<W>): Promise<void> => {
  if (stream.session.status === "T") await stream.ask(OwnRequests.abortTransactionBlock)
}

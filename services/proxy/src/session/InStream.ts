/**
 * What running a write in its place in the client's stream (SimpleQueryWrite,
 * ExtendedWrite) needs of the relay, and no more: the session's state as upstream's
 * answers show it, the proxy's own requests and parts of a split query run upstream, and
 * the client's side of the stream. The relay calls a runner only once upstream has
 * answered everything before the write, and goes on with the client's next message when
 * the runner's promise settles.
 */
import type { Ask } from "./SessionQuestions.js"
import type { ReportedParameters } from "./ReportedParameters.js"
import type { Unanswered } from "./Unanswered.js"
import type { WriteCancel } from "./WriteCancel.js"
import type { Writes } from "./Writes.js"

/** The session's state a runner reads, and the one fact it adds (a write run in place). */
export type SessionState = Pick<Unanswered, "status" | "failed" | "executedInBatch" | "ranInBatch" | "wroteInPlace" | "takeHeldCompletion">

export interface PartOptions {
  /** Drop the part's notices (the client's BEGIN in the proxy's stand-in). */
  readonly dropNotices: boolean
  /** Keep its CommandComplete for `SessionState.takeHeldCompletion` (the last part in the stand-in). */
  readonly holdCompletion: boolean
}

export interface InStream<W> {
  readonly writes: Writes<W>
  /** The session's CancelRequest, which a running write takes (WriteAnswer). */
  readonly writeCancel: WriteCancel
  readonly session: SessionState
  /** The session's settings as upstream last reported them. */
  readonly parameters: ReportedParameters
  /** A request of the proxy's own, once everything before it is answered. */
  readonly ask: Ask
  /** One statement of a split simple query, run upstream, its ReadyForQuery dropped; false when it failed. */
  readonly runPart: (sql: string, options: PartOptions) => Promise<boolean>
  /** The client's message goes upstream after all, its answer relayed. */
  readonly forward: (raw: Buffer, request: number) => void
  /** The proxy's own answer, in its place: upstream has answered everything before it. */
  readonly send: (messages: ReadonlyArray<Buffer>) => void
  /** Drop the client's messages until its Sync: the proxy failed one of its batch. */
  readonly ignoreUntilSync: () => void
  /** Whether the client's batch goes on with another Execute before its Sync (waits for its next messages). */
  readonly executeFollows: () => Promise<boolean>
  /**
   * After the proxy's own ReadyForQuery ends a simple query: upstream's idle timeouts are
   * armed again if the proxy's Flush turned them off (Suspension.rearmIdleTimeouts).
   */
  readonly rearmIdleTimeouts: () => Promise<void>
  /** A failure nothing foresaw (UnexpectedFailure), logged with its stack; the runner answers it. */
  readonly unexpected: (error: unknown) => void
}

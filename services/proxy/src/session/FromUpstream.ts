/**
 * Upstream → client, for one session (see Relay): bytes are relayed as received; only the
 * messages that end a response are looked at, to know which request they answer
 * (Unanswered), and ParameterStatus, to know the session's settings (ReportedParameters).
 * A chunk of whole messages that all go on unchanged is accounted for in place and relayed
 * as the chunk itself (WholeMessages); the rest goes through a FrameScanner.
 *
 * While the relay runs a write with nothing upstream left to answer, what upstream sends
 * of its own accord is held until the write has answered (`holding`). Whether upstream
 * said why it ends the session (a FATAL reached the client) is noted, so that a session
 * that closes without one can be reported to the client (`endsUnexplained`, UPSTREAM_LOST).
 */
import * as Backend from "../wire/Backend.js"
import { FrameScanner } from "../wire/FrameScanner.js"
import { ERROR, PARAMETER_STATUS } from "../wire/MessageCodes.js"
import { acceptWhole } from "../wire/WholeMessages.js"
import { errorFields } from "../upstream/UpstreamLogin.js"
import type { Outbox } from "./Outbox.js"
import type { ReportedParameters } from "./ReportedParameters.js"
import { ANSWER_ENDS } from "./Unanswered.js"
import type { Unanswered } from "./Unanswered.js"

/** What the general path looks at from upstream: the ends of answers, and settings as they change. */
const UPSTREAM_WATCHED = new Set([...ANSWER_ENDS, PARAMETER_STATUS])

/** Severities with which Postgres ends the session it sends them on. */
const ENDS_THE_SESSION = new Set(["FATAL", "PANIC"])

/** Upstream closed without saying why: the proxy's FATAL, as PgBouncer's when its server connection goes. */
export const UPSTREAM_LOST = Backend.errorResponse({
  severity: "FATAL",
  code: "08006",
  message: "the upstream Postgres session closed unexpectedly, without an error from the server",
  hint: "The server process may have been killed or crashed, or the network to it failed. Reconnect: " +
    "the session's transaction is lost, and a COMMIT that was in flight may or may not have taken effect."
})

export interface FromUpstreamHooks {
  /** Hold what arrives now (the relay runs a write with nothing upstream left to answer). */
  readonly holding: () => boolean
  /** A chunk has been relayed and accounted for. */
  readonly relayed: () => void
  /** Upstream broke the protocol: the session ends. */
  readonly protocolError: (error: unknown) => void
}

export class FromUpstream {
  /** While the proxy's own request is answered, or a part whose notices it drops, every message is looked at. */
  private readonly scanner = new FrameScanner((type) => UPSTREAM_WATCHED.has(type) || this.unanswered.looksAtEveryMessage)
  /** Sent by upstream unasked while a write runs, relayed once it has answered. */
  private held: Array<Buffer> = []
  /** Upstream's FATAL (or PANIC) has reached the client. */
  private saidWhy = false

  constructor(
    private readonly toClient: Outbox,
    private readonly unanswered: Unanswered,
    private readonly parameters: ReportedParameters,
    private readonly hooks: FromUpstreamHooks
  ) {}

  /** Whether anything still refers to the last chunk received: a message half-read, or chunks held. */
  get holdsBytes(): boolean {
    return this.scanner.holdsBytes || this.held.length > 0
  }

  /**
   * Upstream has not said why the session ends, and the client is between messages (an
   * ErrorResponse after part of a message would be read as the rest of it): it may be
   * told with UPSTREAM_LOST.
   */
  get endsUnexplained(): boolean {
    return !this.saidWhy && !this.scanner.midMessage
  }

  onChunk(chunk: Buffer): void {
    if (this.hooks.holding()) {
      this.held.push(chunk)
      return
    }
    // Held bytes came first: before the answer to what the proxy has sent since.
    if (this.held.length > 0) this.releaseHeld()
    this.relay(chunk)
  }

  releaseHeld(): void {
    const held = this.held
    this.held = []
    for (const chunk of held) this.relay(chunk)
  }

  private relay(chunk: Buffer): void {
    try {
      this.relayAnswers(chunk)
    } catch (error) {
      this.hooks.protocolError(error)
      return
    }
    this.toClient.flush()
    this.hooks.relayed()
  }

  private relayAnswers(chunk: Buffer): void {
    let rest = chunk
    if (this.scanner.idle) {
      const relayed = acceptWhole(chunk, this.answersUnchanged)
      if (relayed === chunk.length) {
        this.toClient.add(chunk)
        return
      }
      if (relayed > 0) {
        this.toClient.add(chunk.subarray(0, relayed))
        rest = chunk.subarray(relayed)
      }
    }
    this.scanner.push(rest)
    for (let piece = this.scanner.next(); piece !== undefined; piece = this.scanner.next()) {
      if (piece.kind === "bytes") {
        this.toClient.add(piece.bytes)
        continue
      }
      if (this.onAnswer(piece.type, piece.body, 0, piece.body.length)) this.toClient.add(piece.raw)
    }
  }

  /** The hot path: every message is relayed, except a ReadyForQuery the proxy drops and its own answers (general path). */
  private readonly answersUnchanged = (chunk: Buffer, type: number, bodyStart: number, end: number): boolean => {
    if (this.unanswered.mayKeep(type)) return false
    this.onAnswer(type, chunk, bodyStart, end)
    return true
  }

  /** Account for a message (its body is `buffer[start, end)`) that ends an answer; false to drop it. */
  private onAnswer(type: number, buffer: Buffer, start: number, end: number): boolean {
    if (type === PARAMETER_STATUS) {
      this.parameters.note(buffer, start, end)
      return true
    }
    const relayed = this.unanswered.answer(type, buffer, start, end)
    if (relayed && type === ERROR && !this.saidWhy) this.saidWhy = endsTheSession(buffer.subarray(start, end))
    return relayed
  }
}

const endsTheSession = (errorBody: Buffer): boolean => {
  const fields = errorFields(errorBody)
  return ENDS_THE_SESSION.has(fields.get("V") ?? fields.get("S") ?? "")
}

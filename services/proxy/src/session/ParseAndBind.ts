/**
 * A Parse and a Bind of the extended protocol, as the relay takes them: what the statement
 * a Parse names is (a write the proxy executes, a statement refused in the Parse's place, or
 * upstream's), and what the portal a Bind names is; PreparedWrites keeps which, by name
 * (the unnamed statement and portal among them).
 *
 * A Parse whose SQL writes to unqualified names waits until upstream has answered
 * everything before it, then asks the session's search_path (SessionQuestions) and takes
 * the verdict for where they land. A Bind of such a statement after something ran that may
 * have changed the search_path resolves them again first: Postgres analyses the statement
 * again then, so its portal is a write or goes upstream as the names land now.
 */
import * as Backend from "../wire/Backend.js"
import * as Frontend from "../wire/Frontend.js"
import { B, P } from "../wire/MessageCodes.js"
import * as ExtendedWrite from "./ExtendedWrite.js"
import type { InStream } from "./InStream.js"
import type * as PreparedWrites from "./PreparedWrites.js"
import * as SessionQuestions from "./SessionQuestions.js"
import type { Unanswered } from "./Unanswered.js"
import * as UnexpectedFailure from "./UnexpectedFailure.js"
import type { Unresolved, Verdict } from "./Writes.js"

/** The work the relay does in a message's place once upstream has answered everything before it. */
type InPlace = () => Promise<void>

export class ParseAndBind<W> {
  constructor(
    private readonly stream: InStream<W>,
    private readonly prepared: PreparedWrites.PreparedWrites<W>,
    private readonly unanswered: Pick<Unanswered, "status" | "failed" | "runsSent" | "batchesSent">
  ) {}

  /** Forward a Parse, or return the work to do in its place. */
  parse(body: Buffer, raw: Buffer): InPlace | undefined {
    const parse = Frontend.decodeParse(body)
    return this.takeParse(this.stream.writes.verdict(parse.sql), parse, raw)
  }

  /** A Bind of a statement whose unqualified names may land elsewhere now (PreparedWrites) waits for them to be resolved again. */
  bind(body: Buffer, raw: Buffer): InPlace | undefined {
    const rebind = this.prepared.rebind(body, this.unanswered.runsSent)
    if (rebind !== undefined) return () => this.resolveBind(rebind, body, raw)
    this.prepared.bound(body, this.unanswered.batchesSent)
    this.stream.forward(raw, B)
    return undefined
  }

  private takeParse(
    verdict: Verdict<W>,
    parse: Frontend.Parse,
    raw: Buffer,
    resolution?: PreparedWrites.Resolution<W>
  ): InPlace | undefined {
    switch (verdict.kind) {
      case "write":
        this.prepared.parsedWrite(parse.statement, verdict.write, parse.parameterTypes, resolution)
        break
      case "refuse":
        return () => this.refuseParse(verdict.report, raw)
      case "resolve":
        return () => this.resolveParse(verdict, parse, raw)
      default:
        if (resolution === undefined) this.prepared.parsedOther(parse.statement)
        else this.prepared.parsedPass(parse.statement, parse.parameterTypes, resolution)
    }
    this.stream.forward(raw, P)
    return undefined
  }

  private async resolveParse(verdict: Unresolved<W>, parse: Frontend.Parse, raw: Buffer): Promise<void> {
    // Upstream refuses this Parse itself (an aborted block) or skips it (an error earlier in the batch).
    if (this.unanswered.status === "E" || this.unanswered.failed) return void this.takeParse(SessionQuestions.PASS, parse, raw)
    let resolved: SessionQuestions.Resolved<W> | undefined
    try {
      resolved = await SessionQuestions.resolveNames(this.stream.ask, this.stream.writes, verdict, false)
    } catch (error) {
      // Unforeseen (UnexpectedFailure): the Parse fails, as a refused one does.
      this.stream.unexpected(error)
      resolved = { verdict: { kind: "refuse", report: UnexpectedFailure.report(error, undefined) } }
    }
    if (resolved === undefined) {
      this.stream.ignoreUntilSync()
      return
    }
    const resolution = resolved.searchPath === undefined ? undefined
      : { verdict, searchPath: resolved.searchPath, asOf: this.unanswered.runsSent }
    await this.takeParse(resolved.verdict, parse, raw, resolution)?.()
  }

  /**
   * A Bind of a statement with unqualified names, after something ran that may have
   * changed the session's search_path: Postgres analyses the statement again when it has,
   * so the names are resolved again, and the portal is a write or goes upstream as they
   * land now.
   */
  private async resolveBind(rebind: PreparedWrites.Rebind<W>, body: Buffer, raw: Buffer): Promise<void> {
    // Upstream refuses or skips this Bind itself (an aborted block, an error earlier in the batch).
    if (this.unanswered.status !== "E" && !this.unanswered.failed) {
      const { verdict } = rebind.resolution
      let again: SessionQuestions.ResolvedAgain<W> | undefined
      try {
        again = await SessionQuestions.resolveAgain(this.stream.ask, this.stream.writes, verdict, rebind.resolution.searchPath)
      } catch (error) {
        this.stream.unexpected(error)
        return this.answerError(UnexpectedFailure.report(error, undefined))
      }
      if (again === undefined) {
        this.stream.ignoreUntilSync()
        return
      }
      const resolution = { verdict, searchPath: again.searchPath, asOf: this.unanswered.runsSent }
      const decided = again.verdict
      if (decided?.kind === "refuse") return this.answerError(decided.report)
      if (decided?.kind === "write") this.prepared.parsedWrite(rebind.statement, decided.write, rebind.parameterTypes, resolution)
      else if (decided === undefined) this.prepared.resolvedAgain(rebind.statement, resolution)
      else this.prepared.parsedPass(rebind.statement, rebind.parameterTypes, resolution)
    }
    this.prepared.bound(body, this.unanswered.batchesSent)
    this.stream.forward(raw, B)
  }

  private async refuseParse(report: Backend.Report, raw: Buffer): Promise<void> {
    // In an aborted transaction Postgres refuses the Parse itself, with 25P02.
    if (this.unanswered.status === "E" && !this.unanswered.failed) this.stream.forward(raw, P)
    else await this.answerError(report)
  }

  /** The proxy's error in the message's place: the batch fails, as in Postgres, and the rest is skipped until Sync. */
  private async answerError(report: Backend.Report): Promise<void> {
    if (!this.unanswered.failed) {
      await ExtendedWrite.failBatch(this.stream)
      this.stream.send([Backend.errorResponse(report)])
    }
    this.stream.ignoreUntilSync()
  }
}

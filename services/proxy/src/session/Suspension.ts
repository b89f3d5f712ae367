/**
 * The relay's waits while it is suspended for work of the proxy's own in the client's
 * stream (a write run in its place, a question about the session; see Relay): until
 * upstream has answered everything forwarded so far, for the answers to the proxy's own
 * requests and to the parts of a split simple query it sends, and for the client's next
 * messages, to see whether its batch goes on with another Execute.
 *
 * The relay wakes them: when upstream's answers have been relayed, when the client sends
 * more, and when either side closes (then nothing more will come, and each wait ends).
 */
import * as Frontend from "../wire/Frontend.js"
import type { FrameScanner } from "../wire/FrameScanner.js"
import { B, C, D, E, ERROR, F, P, Q, S } from "../wire/MessageCodes.js"
import type { PartOptions } from "./InStream.js"
import type { Outbox } from "./Outbox.js"
import * as OwnRequests from "./OwnRequests.js"
import type { Unanswered } from "./Unanswered.js"
import { Waiters } from "./Waiters.js"

/** The messages of a batch that prepare a later statement and say nothing of whether it runs. */
const SETS_UP_A_STATEMENT = (type: number): boolean => type === P || type === B || type === D || type === C

/** How the session ended, as the relay knows it. */
export interface SessionEnds {
  /** The relay has closed the session. */
  readonly closed: () => boolean
  /** Upstream closed while the relay was suspended: the session closes once the work has answered. */
  readonly upstreamGone: () => boolean
}

export class Suspension {
  /** Waiting for upstream to answer everything forwarded so far (untilAnswered). */
  private readonly drained = new Waiters()
  /** Waiting for the client's next bytes (executeFollows). */
  private readonly clientSent = new Waiters()
  /**
   * The last message upstream read was a Flush of the proxy's own, read after its last
   * ReadyForQuery: Postgres has turned its idle timeouts off, and arms them again only
   * when it next sends ReadyForQuery (OwnRequests.OwnRequest.rearmsIdleTimeouts).
   */
  private idleTimeoutsOff = false

  constructor(
    private readonly toUpstream: Outbox,
    private readonly unanswered: Pick<Unanswered, "none" | "awaitOwn" | "takeOwnAnswers" | "awaitSwallowingReady" | "swallowedFailed">,
    private readonly fromClient: Pick<FrameScanner, "upcoming">,
    private readonly ends: SessionEnds
  ) {}

  /** Upstream's answers have been relayed: who waits for all of them is woken once none is left. */
  relayed(): void {
    if (this.unanswered.none && this.drained.any) this.drained.wakeAll()
  }

  /** The client sent more while the relay is suspended. */
  clientSentMore(): void {
    this.clientSent.wakeAll()
  }

  /** Upstream closed: no answer will come. */
  upstreamClosed(): void {
    this.drained.wakeAll()
  }

  /** A client's request went upstream: a Query, Sync or function call ends in ReadyForQuery, which arms the idle timeouts. */
  forwarded(request: number): void {
    if (request === Q || request === S || request === F) this.idleTimeoutsOff = false
  }

  /** The session closed: every wait ends. */
  sessionClosed(): void {
    this.drained.wakeAll()
    this.clientSent.wakeAll()
  }

  /**
   * Resolves once upstream has answered everything forwarded so far. With `flush`, a Flush
   * follows (extended-protocol messages are answered only then); a Query's answer ends
   * with ReadyForQuery, which Postgres flushes, and a Flush read after it turns off the
   * idle timeouts Postgres arms at ReadyForQuery (OwnRequests.OwnRequest.rearmsIdleTimeouts).
   */
  untilAnswered(flush = true): Promise<void> {
    if (this.unanswered.none || this.ends.closed() || this.ends.upstreamGone()) return Promise.resolve()
    if (flush) this.toUpstream.add(Frontend.flush)
    this.idleTimeoutsOff = flush
    this.toUpstream.flush()
    return this.drained.wait()
  }

  /**
   * Runs a request of the proxy's own upstream; called only once everything before it is
   * answered. Its answers, or undefined when it failed unexpectedly (the error was relayed).
   */
  readonly ask = async (request: OwnRequests.OwnRequest): Promise<ReadonlyArray<OwnRequests.OwnAnswer> | undefined> => {
    // The session is gone: its FATAL, held, is the error the client gets.
    if (this.ends.upstreamGone()) return undefined
    this.toUpstream.add(request.bytes)
    this.unanswered.awaitOwn(request.requests, request.fails === true)
    await this.untilAnswered(request.rearmsIdleTimeouts !== true)
    const answers = this.unanswered.takeOwnAnswers()
    if (this.ends.upstreamGone()) return undefined
    return request.fails !== true && answers.some((answer) => answer.type === ERROR) ? undefined : answers
  }

  /**
   * After a simple query the proxy answered itself (its ReadyForQuery sent): when upstream's
   * idle timeouts are off, a Sync of the proxy's own arms them again, so they count from
   * the query's end as Postgres' own would, not from the client's next message. One round
   * trip, after the client has its answer.
   */
  async rearmIdleTimeouts(): Promise<void> {
    if (this.idleTimeoutsOff) await this.ask(OwnRequests.rearmIdleTimeouts)
  }

  /**
   * Whether the client's batch goes on with another Execute before its Sync: outside a
   * block, that statement shares the implicit transaction of the write being run. Waits
   * for the client's next messages until one says (an Execute, or a Sync, Flush or
   * anything else that is not Parse, Bind, Describe or Close); a client sends a Sync or
   * Flush after an Execute to get its answer.
   */
  async executeFollows(): Promise<boolean> {
    for (;;) {
      const next = this.fromClient.upcoming(SETS_UP_A_STATEMENT)
      if (next !== undefined || this.ends.closed()) return next === E
      await this.clientSent.wait()
    }
  }

  /**
   * One statement of a split simple query, run upstream; its ReadyForQuery is dropped. No
   * Flush follows, so the session's idle timeouts count from its ReadyForQuery as from
   * Postgres' (a write's question, asked next, turns them off while the API call runs).
   */
  async runPart(sql: string, options: PartOptions): Promise<boolean> {
    if (this.ends.upstreamGone()) return false
    this.toUpstream.add(Frontend.encodeQuery(sql))
    this.unanswered.awaitSwallowingReady(Q, options)
    await this.untilAnswered(false)
    return !this.ends.upstreamGone() && !this.unanswered.swallowedFailed
  }
}

/**
 * The requests forwarded to the client's upstream session that it has yet to answer,
 * oldest first, and what the answers tell about the session: its transaction status, an
 * error since the last ReadyForQuery, whether upstream is skipping until Sync.
 *
 * The relay needs the queue to put the proxy's own answers in the right place (a write's
 * result goes after the answers to everything before it) and to keep the answers to its
 * own requests (OwnRequests) from the client. Each entry is the request's message type,
 * with flags for how its answer is treated.
 */
import type { TransactionStatus } from "../wire/Backend.js"
import {
  B, BIND_COMPLETE, C, CLOSE_COMPLETE, COPY_IN_RESPONSE, D, E, EMPTY, ERROR, F, N_ODATA, NOTICE, NOTIFICATION, P, PARSE_COMPLETE, Q, S,
  SUSPENDED, T, Z
} from "../wire/MessageCodes.js"
import type { OwnAnswer } from "./OwnRequests.js"

/** A request whose answer ends in ReadyForQuery is marked to have that ReadyForQuery dropped. */
const SWALLOW_READY = 0x100
/** A request of the proxy's own (OwnRequests): its answer is kept for the proxy, never relayed. */
const OWN = 0x200
/**
 * An own request whose error is expected (OwnRequest.fails). Any other own request's
 * error (a cancel that landed on it) is the client's statement's: relayed, and the
 * statement goes no further.
 */
const OWN_FAILS = 0x400
/**
 * A part of a split simple query whose notices are dropped: the client's BEGIN inside the
 * proxy's stand-in for the query's implicit transaction, which Postgres would turn into a
 * block without a word, and upstream answers with "there is already a transaction in
 * progress" (BEGIN runs no user code, so that WARNING is all it can say).
 */
const DROP_NOTICES = 0x800
/**
 * The last part of a split simple query that runs in the proxy's stand-in for the query's
 * implicit transaction: its CommandComplete is held until the stand-in commits, because
 * Postgres commits the implicit transaction before it sends the last statement's
 * CommandComplete, and sends the commit's error instead when that fails.
 */
const HOLD_COMPLETION = 0x1000

/** The messages that end an answer (or a part of one: CopyInResponse, after which upstream waits for the client's rows). */
export const ANSWER_ENDS: ReadonlySet<number> = new Set([
  PARSE_COMPLETE, BIND_COMPLETE, CLOSE_COMPLETE, T, N_ODATA, C, EMPTY, SUSPENDED, Z, ERROR, COPY_IN_RESPONSE
])
const EXTENDED = new Set([P, B, D, E, C])

export class Unanswered {
  /** Request codes with their flags. */
  private readonly queue: Array<number> = []
  private transactionStatus: TransactionStatus
  /** Upstream failed an extended-protocol request: it skips everything until Sync. */
  private skipping = false
  private failedSinceReady = false
  private executedInBatchFlag = false
  private wroteInBatchFlag = false
  private swallowedFailedFlag = false
  private heldCompletion: string | undefined
  private copyingInFlag = false
  private ownAnswers: Array<OwnAnswer> = []
  /** Requests forwarded that may run SQL, and so change a setting (`runsSent`). */
  private runs = 0
  /** The client's batches (a Sync or a Query of its own) forwarded upstream, and how many of them upstream has answered. */
  private sent = 0
  private answered = 0

  constructor(
    initialStatus: TransactionStatus,
    /**
     * A ReadyForQuery reported the session idle: its transaction, implicit or not, ended
     * after the first `answered` of the client's batches.
     */
    private readonly onIdle: (answered: number) => void
  ) {
    this.transactionStatus = initialStatus
  }

  /** The transaction status as last reported (or as a BEGIN in a batch shows it, before its ReadyForQuery). */
  get status(): TransactionStatus {
    return this.transactionStatus
  }

  /** An upstream error since the last ReadyForQuery. */
  get failed(): boolean {
    return this.failedSinceReady
  }

  /**
   * A client's Execute went upstream since the client's last Sync (or Query): outside a
   * transaction block, the batch's implicit transaction may hold what it did.
   */
  get executedInBatch(): boolean {
    return this.executedInBatchFlag
  }

  /**
   * A statement of the batch ran before now, upstream (a client's Execute) or in the
   * proxy's place (`wroteInPlace`): outside a transaction block, it shares the batch's
   * implicit transaction.
   */
  get ranInBatch(): boolean {
    return this.executedInBatchFlag || this.wroteInBatchFlag
  }

  /** The proxy ran a client's write of an extended-protocol batch itself: it never went upstream. */
  wroteInPlace(): void {
    this.wroteInBatchFlag = true
  }

  /** The last request awaited with `awaitSwallowingReady` failed. */
  get swallowedFailed(): boolean {
    return this.swallowedFailedFlag
  }

  /**
   * Upstream answered a COPY … FROM STDIN with CopyInResponse and waits for the client's
   * CopyData, until its CopyDone or CopyFail (`copyInSent`) or upstream's error.
   */
  get copyingIn(): boolean {
    return this.copyingInFlag
  }

  /** The client's CopyDone or CopyFail has gone upstream: what the client sends next is not the COPY's. */
  copyInSent(): void {
    this.copyingInFlag = false
  }

  get none(): boolean {
    return this.queue.length === 0
  }

  /** Every message of the answer being received is looked at: it answers the proxy's own request, or its notices are dropped. */
  get looksAtEveryMessage(): boolean {
    return ((this.queue[0] ?? 0) & (OWN | DROP_NOTICES)) !== 0
  }

  /** The hot path's test: a message of this type may have to be kept from the client now. */
  mayKeep(type: number): boolean {
    const head = this.queue[0] ?? 0
    // A plain request of the client's: nothing of its answer is kept.
    if ((head & (OWN | SWALLOW_READY | DROP_NOTICES | HOLD_COMPLETION)) === 0) return false
    return (head & OWN) !== 0 ||
      (type === Z && (head & SWALLOW_READY) !== 0) ||
      (type === NOTICE && (head & DROP_NOTICES) !== 0) ||
      (type === C && (head & HOLD_COMPLETION) !== 0)
  }

  /** The tag of the CommandComplete held back (`holdCompletion`), once; undefined when none was. */
  takeHeldCompletion(): string | undefined {
    const tag = this.heldCompletion
    this.heldCompletion = undefined
    return tag
  }

  /**
   * How many requests that may run SQL, and so change a setting such as search_path, have
   * gone upstream: the client's Executes, Queries, function calls and Syncs (which end a
   * transaction, and a SET LOCAL with it), and every request of the proxy's own. Parse,
   * Bind, Describe and Close run nothing.
   */
  get runsSent(): number {
    return this.runs
  }

  /** How many of the client's batches (Syncs and Queries) have gone upstream. */
  get batchesSent(): number {
    return this.sent
  }

  /** A request of the client's forwarded upstream: its answer is awaited, unless upstream will skip it. */
  account(request: number): void {
    if (request === E || request === Q || request === S || request === F) this.runs++
    if (this.skipping && request !== S) return
    if (request === S) this.skipping = false
    if (request === S || request === Q) {
      this.sent++
      // The client's next batch begins here: its Executes may go upstream before this one's ReadyForQuery arrives.
      this.executedInBatchFlag = false
      this.wroteInBatchFlag = false
    } else if (request === E) {
      this.executedInBatchFlag = true
    }
    this.queue.push(request)
  }

  /** A request of the proxy's own, one code per message that gets an answer; its answers are kept (`takeOwnAnswers`). */
  awaitOwn(requests: ReadonlyArray<number>, fails: boolean): void {
    this.runs++
    this.ownAnswers = []
    const flags = OWN | (fails ? OWN_FAILS : 0)
    for (const code of requests) this.queue.push(code | flags)
  }

  takeOwnAnswers(): ReadonlyArray<OwnAnswer> {
    const answers = this.ownAnswers
    this.ownAnswers = []
    return answers
  }

  /**
   * A request (a part of a split simple query) whose ReadyForQuery is dropped; with
   * `dropNotices` its notices too, with `holdCompletion` its CommandComplete is kept for
   * `takeHeldCompletion`.
   */
  awaitSwallowingReady(request: number, options: { readonly dropNotices?: boolean; readonly holdCompletion?: boolean } = {}): void {
    this.runs++
    this.swallowedFailedFlag = false
    this.heldCompletion = undefined
    const flags = (options.dropNotices === true ? DROP_NOTICES : 0) | (options.holdCompletion === true ? HOLD_COMPLETION : 0)
    this.queue.push(request | SWALLOW_READY | flags)
  }

  /** Account for a message from upstream (its body is `buffer[start, end)`); false to keep it from the client. */
  answer(type: number, buffer: Buffer, start: number, end: number): boolean {
    const head = this.queue[0]
    if (head === undefined) return true
    if (type === NOTICE && (head & DROP_NOTICES) !== 0) return false
    if (type === C && (head & HOLD_COMPLETION) !== 0) {
      // A command tag is ASCII, and the buffer is reused for the next read: kept as a string.
      this.heldCompletion = buffer.toString("latin1", start, end - 1)
      this.settle(head, type, buffer, start, end)
      return false
    }
    // Notices and notifications are the session's, whoever's request is being answered.
    if ((head & OWN) === 0 || type === NOTICE || type === NOTIFICATION) return this.settle(head, type, buffer, start, end)
    // The buffer is reused for the next read: the proxy's answers are kept as copies.
    this.ownAnswers.push({ type, body: Buffer.from(buffer.subarray(start, end)) })
    this.settle(head, type, buffer, start, end)
    return type === ERROR && (head & OWN_FAILS) === 0
  }

  /** Account for a message that answers `head`; false to drop it. */
  private settle(head: number, type: number, buffer: Buffer, start: number, end: number): boolean {
    const request = head & 0xff
    if (type !== COPY_IN_RESPONSE && ANSWER_ENDS.has(type)) this.copyingInFlag = false
    switch (type) {
      case COPY_IN_RESPONSE:
        this.copyingInFlag = true
        return true
      case Z: {
        this.transactionStatus = String.fromCharCode(buffer[start]!) as TransactionStatus
        this.failedSinceReady = false
        if ((request === Q || request === S) && (head & (OWN | SWALLOW_READY)) === 0) this.answered++
        if (this.transactionStatus === "I") this.onIdle(this.answered)
        if (request === Q || request === S || request === F) this.queue.shift()
        return (head & SWALLOW_READY) === 0
      }
      case ERROR:
        this.failedSinceReady = true
        if (head & SWALLOW_READY) this.swallowedFailedFlag = true
        if (EXTENDED.has(request)) {
          this.queue.shift()
          const sync = this.queue.indexOf(S)
          if (sync < 0) {
            this.queue.length = 0
            this.skipping = true
          } else {
            this.queue.splice(0, sync)
          }
        }
        return true
      case C:
        this.trackTransaction(buffer, start, end)
        if (request === E) this.queue.shift()
        return true
      case EMPTY:
      case SUSPENDED:
        if (request === E) this.queue.shift()
        return true
      case T:
      case N_ODATA:
        if (request === D) this.queue.shift()
        return true
      case PARSE_COMPLETE:
      case BIND_COMPLETE:
      case CLOSE_COMPLETE:
        this.queue.shift()
        return true
      default:
        return true
    }
  }

  /** BEGIN inside a batch shows before the batch's ReadyForQuery does. */
  private trackTransaction(buffer: Buffer, start: number, end: number): void {
    if (startsWith(buffer, start, end, BEGIN) || startsWith(buffer, start, end, START_TRANSACTION)) this.transactionStatus = "T"
  }
}

const BEGIN = Buffer.from("BEGIN", "latin1")
const START_TRANSACTION = Buffer.from("START TRANSACTION", "latin1")

/** Whether `buffer[start, end)` begins with `prefix`, compared in place. */
const startsWith = (buffer: Buffer, start: number, end: number, prefix: Buffer): boolean => {
  if (end - start < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (buffer[start + i] !== prefix[i]) return false
  return true
}

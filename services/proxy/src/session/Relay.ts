/**
 * One client session after login: messages flow between the client and its own upstream
 * Postgres session, and the proxy steps in only for writes to synced tables.
 *
 * Client → upstream: every message except CopyData is looked at (type and, for Query,
 * Parse, Bind, Execute and Close, its names or SQL) and forwarded as the same bytes.
 * Upstream → client: bytes are relayed as received (FromUpstream); only the messages that
 * end a response are looked at, to know which request they answer, and ParameterStatus,
 * to know the session's settings when the proxy runs a write elsewhere (ReportedParameters).
 *
 * The hot path: a chunk that holds whole messages only, each of which goes on unchanged
 * (a query that certainly does not write, its answer), is accounted for in place and
 * forwarded as the chunk itself (WholeMessages; which client messages qualify is
 * ClientHotPath's). Anything else, from the first message that needs more, takes the
 * general path through a FrameScanner.
 *
 * To put the proxy's own answer (a write's result or error) in the right place, the relay
 * keeps the queue of requests upstream has yet to answer. Before answering a write it
 * forwards everything before it plus a Flush, waits until upstream has answered all of
 * it (Suspension), and skips the write if one of those failed (as Postgres skips until
 * Sync). The write itself is run by SimpleQueryWrite or ExtendedWrite, through what
 * InStream lets them see of the relay; what the statement or portal a Parse or Bind names
 * is, its unqualified names resolved, is ParseAndBind's.
 *
 * While the proxy runs a write with nothing upstream left to answer (the API call, the
 * apply), what upstream sends of its own accord is held until the write has answered:
 * above all the FATAL of a session Postgres ends (a shutdown, `pg_terminate_backend`),
 * which would otherwise reach the client as its write's answer, so that a write the API
 * took would look like one that never ran. When upstream closes meanwhile, the write
 * still answers (with the 58000 that says the API has it, when the apply could not
 * reach Postgres), then the held FATAL follows and the session closes.
 *
 * When upstream closes without a FATAL of its own (its process killed, a crash, the network
 * cut), the client is told with one of the proxy's, 08006, as PgBouncer does, rather than
 * seeing a bare disconnect; not when it has had part of a message, which it would misread.
 */
import type { Socket } from "node:net"
import * as Backend from "../wire/Backend.js"
import * as Frontend from "../wire/Frontend.js"
import { FrameScanner } from "../wire/FrameScanner.js"
import { ProtocolViolation } from "../wire/Reader.js"
import { B, C, COPY_DATA, COPY_DONE, COPY_FAIL, D, E, F, P, Q, S, X } from "../wire/MessageCodes.js"
import { acceptWhole } from "../wire/WholeMessages.js"
import type { Accept } from "../wire/WholeMessages.js"
import type { ReusedReads } from "../sockets/ReusedReads.js"
import { FromUpstream, UPSTREAM_LOST } from "./FromUpstream.js"
import { Outbox } from "./Outbox.js"
import * as PreparedWrites from "./PreparedWrites.js"
import * as ClientHotPath from "./ClientHotPath.js"
import * as ExtendedWrite from "./ExtendedWrite.js"
import { ParseAndBind } from "./ParseAndBind.js"
import type { InStream } from "./InStream.js"
import type { ReportedParameters } from "./ReportedParameters.js"
import { Unanswered } from "./Unanswered.js"
import * as SimpleQueryWrite from "./SimpleQueryWrite.js"
import { Suspension } from "./Suspension.js"
import * as UnexpectedFailure from "./UnexpectedFailure.js"
import type { WriteCancel } from "./WriteCancel.js"
import type { Writes } from "./Writes.js"

/** Where a session's failures are logged (the service's logger). */
export type SessionLog = (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void

export class Relay<W> {
  private readonly fromClient = new FrameScanner((type) => type !== COPY_DATA)
  private readonly fromUpstream: FromUpstream
  /** The hot path's share of onClientMessage (ClientHotPath). */
  private readonly passesUnchanged: Accept
  private readonly toUpstream: Outbox
  private readonly unanswered: Unanswered
  /** What waits while the relay is suspended: for upstream's answers, for the client's next messages. */
  private readonly suspension: Suspension
  /** The proxy answered with an error: drop client messages until Sync. */
  private ignoringUntilSync = false
  private suspended = false
  private closed = false
  /** Upstream closed while a write ran: the session closes once the write has answered. */
  private upstreamGone = false
  private readonly prepared = new PreparedWrites.PreparedWrites<W>()
  /** What the runners of writes in their place (SimpleQueryWrite, ExtendedWrite) see of the relay. */
  private readonly stream: InStream<W>
  private readonly parseAndBind: ParseAndBind<W>

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly upstreamReads: ReusedReads,
    /** The client socket's reads when it reads into a reused buffer (AcceptedReads); otherwise its data events. */
    private readonly clientReads: ReusedReads | undefined,
    private readonly writes: Writes<W>,
    initialStatus: Backend.TransactionStatus,
    /** Seeded with the login's ParameterStatus messages; kept up to date from upstream's. */
    parameters: ReportedParameters,
    /** Where the session's CancelRequest goes while a write of the proxy's own runs. */
    writeCancel: WriteCancel,
    private readonly onClosed: () => void,
    private readonly log: SessionLog
  ) {
    this.unanswered = new Unanswered(initialStatus, (answered) => this.prepared.transactionEnded(answered))
    this.toUpstream = new Outbox(upstream, () => client)
    this.suspension = new Suspension(this.toUpstream, this.unanswered, this.fromClient, {
      closed: () => this.closed,
      upstreamGone: () => this.upstreamGone
    })
    this.passesUnchanged = ClientHotPath.passesUnchanged(writes, this.prepared, this.unanswered)
    this.fromUpstream = new FromUpstream(new Outbox(client, () => upstream), this.unanswered, parameters, {
      // A write the proxy runs with nothing upstream left to answer: what upstream sends unasked waits (see the header).
      holding: () => this.suspended && this.unanswered.none,
      relayed: () => {
        this.passCopyIn()
        this.suspension.relayed()
      },
      protocolError: (error) => this.protocolError(error)
    })
    this.stream = {
      writes,
      writeCancel,
      session: this.unanswered,
      parameters,
      ask: this.suspension.ask,
      runPart: (sql, options) => this.suspension.runPart(sql, options),
      forward: (raw, request) => this.forward(raw, request),
      send: (messages) => this.send(messages),
      ignoreUntilSync: () => {
        this.ignoringUntilSync = true
      },
      executeFollows: () => this.suspension.executeFollows(),
      rearmIdleTimeouts: () => this.suspension.rearmIdleTimeouts(),
      unexpected: (error) => this.log("error", "a write failed in the proxy, unforeseen", { stack: UnexpectedFailure.stackOf(error) })
    }
    this.parseAndBind = new ParseAndBind(this.stream, this.prepared, this.unanswered)
  }

  start(early: Buffer, upstreamRest: ReadonlyArray<Buffer>): void {
    if (this.clientReads === undefined) {
      this.client.on("data", (chunk: Buffer) => this.onClient(chunk, false))
      // Paused since the handshake (Handshake.handOver).
      this.client.resume()
    }
    this.upstreamReads.consume({
      onChunk: (chunk) => this.fromUpstream.onChunk(chunk),
      // Slices of a chunk still queued for the client, a message half-read, chunks held.
      holdsLastChunk: () => this.client.writableLength > 0 || this.fromUpstream.holdsBytes
    })
    this.client.on("close", () => this.close())
    this.upstream.on("close", () => this.upstreamClosed())
    this.client.on("error", () => this.close())
    this.upstream.on("error", () => this.upstreamClosed())
    for (const chunk of upstreamRest) this.fromUpstream.onChunk(chunk)
    if (early.length > 0) {
      this.fromClient.push(early)
      this.pump()
    }
    // After `early`: what the socket read meanwhile comes after it. Only a chunk relayed
    // whole is relayed from the reused buffer (see onClient): a write the kernel has not
    // taken yet is all that can still refer to it.
    this.clientReads?.consume({
      onChunk: (chunk) => this.onClient(chunk, true),
      holdsLastChunk: () => this.upstream.writableLength > 0
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    if (!this.upstream.destroyed) this.upstream.end(Frontend.terminate)
    // What is still queued for the client (upstream's FATAL, a write's answer) goes first.
    if (this.client.writableLength > 0 && !this.client.destroyed) this.client.end()
    else this.client.destroy()
    this.suspension.sessionClosed()
    this.onClosed()
  }

  /** A write the proxy runs answers first (see the header); otherwise the session ends now. */
  private upstreamClosed(): void {
    if (!this.suspended || this.closed) return this.closeAfterUpstream()
    this.upstreamGone = true
    this.suspension.upstreamClosed()
  }

  /** Upstream's FATAL has been relayed, or the proxy says it closed (see the header). */
  private closeAfterUpstream(): void {
    if (!this.closed && this.fromUpstream.endsUnexplained) this.send([UPSTREAM_LOST])
    this.close()
  }

  // ── client → upstream ────────────────────────────────────────────────────────────

  /**
   * `reused`: the chunk is in the client reads' reused buffer, valid during this call only.
   * The general path may keep bytes past it (a message waiting while a write runs, a
   * forwarded one waiting for its Flush), so it gets a copy; only the hot path, which
   * hands the whole chunk to the socket at once, relays the buffer itself.
   */
  private onClient(chunk: Buffer, reused: boolean): void {
    if (this.suspended || !this.fromClient.idle || this.ignoringUntilSync) {
      this.fromClient.push(reused ? Buffer.from(chunk) : chunk)
      if (!this.suspended) return this.pump()
      this.passCopyIn()
      this.suspension.clientSentMore()
      return
    }
    const passed = acceptWhole(chunk, this.passesUnchanged)
    if (passed === chunk.length) {
      this.toUpstream.add(chunk)
      this.toUpstream.flush()
      return
    }
    const owned = reused ? Buffer.from(chunk) : chunk
    if (passed > 0) this.toUpstream.add(owned.subarray(0, passed))
    this.fromClient.push(passed > 0 ? owned.subarray(passed) : owned)
    this.pump()
  }

  private pump(): void {
    try {
      for (let piece = this.fromClient.next(); piece !== undefined; piece = this.fromClient.next()) {
        if (piece.kind === "bytes") {
          this.toUpstream.add(piece.bytes)
          continue
        }
        const handled = this.onClientMessage(piece.type, piece.body, piece.raw)
        if (handled !== undefined) {
          // Forwarded messages leave with the Flush in one write (see Suspension.untilAnswered).
          this.suspend(handled)
          return
        }
      }
      this.toUpstream.flush()
    } catch (error) {
      this.protocolError(error)
    }
  }

  /** Forward a message, or return the work the proxy must do itself before going on. */
  private onClientMessage(type: number, body: Buffer, raw: Buffer): (() => Promise<void>) | undefined {
    if (this.ignoringUntilSync) {
      if (type === S) {
        this.ignoringUntilSync = false
        this.forward(raw, S)
      } else if (type === X) {
        this.close()
      }
      return undefined
    }
    switch (type) {
      case Q:
        return this.onQuery(body, raw)
      case P:
        return this.parseAndBind.parse(body, raw)
      case B:
        return this.parseAndBind.bind(body, raw)
      case E:
        return this.onExecute(body, raw)
      case C:
        this.prepared.closed(body)
        this.forward(raw, C)
        return undefined
      case D:
      case S:
      case F:
        this.forward(raw, type)
        return undefined
      case X:
        this.toUpstream.add(raw)
        this.toUpstream.flush()
        this.close()
        return undefined
      default:
        // Flush, CopyDone, CopyFail: no answer of their own.
        this.toUpstream.add(raw)
        return undefined
    }
  }

  /**
   * A COPY … FROM STDIN the proxy sent upstream while suspended (a part of a split simple
   * query) waits for the client's rows: its CopyData, then CopyDone or CopyFail, go
   * upstream as they come, and nothing after them.
   */
  private passCopyIn(): void {
    if (!this.suspended || this.closed) return
    let passed = false
    while (this.unanswered.copyingIn) {
      const type = this.fromClient.midMessage ? COPY_DATA : this.fromClient.upcoming(() => false)
      if (type !== COPY_DATA && type !== COPY_DONE && type !== COPY_FAIL) break
      const piece = this.fromClient.next()
      if (piece === undefined) break
      passed = true
      if (piece.kind === "bytes") {
        this.toUpstream.add(piece.bytes)
      } else {
        this.toUpstream.add(piece.raw)
        this.unanswered.copyInSent()
      }
    }
    if (passed) this.toUpstream.flush()
  }

  private forward(raw: Buffer, request: number): void {
    // Upstream closed while the relay was suspended: the session closes once the work has
    // answered, and a request queued now would never be sent or answered.
    if (this.upstreamGone) return
    this.toUpstream.add(raw)
    this.unanswered.account(request)
    this.suspension.forwarded(request)
  }

  private onQuery(body: Buffer, raw: Buffer): (() => Promise<void>) | undefined {
    const sql = body.toString("utf8", 0, body.length - 1)
    const verdict = this.writes.verdict(sql)
    if (verdict.kind === "pass") {
      this.forward(raw, Q)
      return undefined
    }
    return () => SimpleQueryWrite.run(this.stream, verdict, raw)
  }

  private onExecute(body: Buffer, raw: Buffer): (() => Promise<void>) | undefined {
    const portal = this.prepared.executed(body)
    if (portal !== undefined) return () => ExtendedWrite.run(this.stream, portal)
    this.forward(raw, E)
    return undefined
  }

  // ── the proxy's own answers ──────────────────────────────────────────────────────

  private suspend(work: () => Promise<void>): void {
    this.suspended = true
    if (this.unanswered.none) this.toUpstream.flush()
    this.suspension.untilAnswered()
      .then(work)
      .catch((error: unknown) => this.protocolError(error))
      .finally(() => {
        this.suspended = false
        this.fromUpstream.releaseHeld()
        if (this.upstreamGone) this.closeAfterUpstream()
        else if (!this.closed) this.pump()
      })
  }

  private send(messages: ReadonlyArray<Buffer>): void {
    if (this.client.destroyed || messages.length === 0) return
    this.client.write(messages.length === 1 ? messages[0]! : Buffer.concat(messages))
  }

  private protocolError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    const code = error instanceof ProtocolViolation ? "08P01" : "XX000"
    if (code === "XX000") this.log("error", "the proxy failed in a session, unforeseen, and ends it", { stack: UnexpectedFailure.stackOf(error) })
    this.send([Backend.errorResponse({ severity: "FATAL", code, message })])
    this.close()
  }
}

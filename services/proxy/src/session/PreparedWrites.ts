/**
 * Which of a session's prepared statements and portals are writes the proxy executes
 * itself: a Parse of a write names a statement, a Bind of that statement a portal, and an
 * Execute of that portal is the proxy's to answer. Everything else is upstream's, and
 * needs nothing kept: while no write is prepared, the relay's hot path skips all of this.
 *
 * A statement that writes to unqualified names is kept whatever they resolved to, with
 * the search_path they were resolved with: Postgres analyses a prepared statement again
 * at Bind when the search_path has changed since, so its names may land elsewhere then
 * (a synced table, or a table of the user's own), and the relay resolves them again.
 */
import * as Frontend from "../wire/Frontend.js"
import type { ExecuteRequest, Unresolved } from "./Writes.js"

interface Statement<W> {
  /** Undefined for a statement that goes upstream, kept only to be resolved again (`resolution`). */
  readonly write: W | undefined
  readonly parameterTypes: ReadonlyArray<number>
  readonly resolution?: Resolution<W>
}

/** How a statement's unqualified names were resolved. */
export interface Resolution<W> {
  readonly verdict: Unresolved<W>
  readonly searchPath: string
  /** `Unanswered.runsSent` when it was asked: nothing since can have changed the search_path. */
  readonly asOf: number
}

/** A Bind of a statement whose names were resolved before something ran that may have changed the search_path. */
export interface Rebind<W> {
  readonly statement: string
  readonly parameterTypes: ReadonlyArray<number>
  readonly resolution: Resolution<W>
}

export interface Portal<W> {
  readonly request: Omit<ExecuteRequest<W>, "inTransaction" | "sessionParameters">
  /** How many of the client's batches (Syncs and Queries) had gone upstream when it was bound. */
  readonly batch: number
}

export class PreparedWrites<W> {
  private readonly statements = new Map<string, Statement<W>>()
  private readonly portals = new Map<string, Portal<W>>()

  /** No write statement is prepared: a Parse cannot replace one. */
  get noStatements(): boolean {
    return this.statements.size === 0
  }

  /** Neither a write statement nor a write portal: Bind, Execute and Close need no look. */
  get none(): boolean {
    return this.statements.size === 0 && this.portals.size === 0
  }

  parsedWrite(name: string, write: W, parameterTypes: ReadonlyArray<number>, resolution?: Resolution<W>): void {
    this.statements.set(name, { write, parameterTypes, ...(resolution === undefined ? {} : { resolution }) })
  }

  /** A statement whose unqualified names are no synced table's now: it goes upstream, and is resolved again at a later Bind. */
  parsedPass(name: string, parameterTypes: ReadonlyArray<number>, resolution: Resolution<W>): void {
    this.statements.set(name, { write: undefined, parameterTypes, resolution })
  }

  /** Its names asked again, and the search_path the same: the statement stands, as of now. */
  resolvedAgain(name: string, resolution: Resolution<W>): void {
    const statement = this.statements.get(name)
    if (statement !== undefined) this.statements.set(name, { ...statement, resolution })
  }

  /** The Bind (its body) needs the statement's names resolved again first: run `runsSent` requests since. */
  rebind(body: Buffer, runsSent: number): Rebind<W> | undefined {
    if (this.statements.size === 0) return undefined
    const name = Frontend.decodeBindNames(body).statement
    const statement = this.statements.get(name)
    const resolution = statement?.resolution
    if (statement === undefined || resolution === undefined || resolution.asOf === runsSent) return undefined
    return { statement: name, parameterTypes: statement.parameterTypes, resolution }
  }

  /** A Parse of anything else replaces a write prepared under the same name. */
  parsedOther(name: string): void {
    if (this.statements.size > 0) this.statements.delete(name)
  }

  /**
   * A Bind's body, sent after `batch` of the client's batches: a portal of a write
   * statement is kept, any other replaces one of its name.
   */
  bound(body: Buffer, batch: number): void {
    if (this.none) return
    const names = Frontend.decodeBindNames(body)
    const statement = this.statements.get(names.statement)
    if (statement?.write === undefined) {
      this.portals.delete(names.portal)
      return
    }
    const bind = Frontend.decodeBind(body)
    this.portals.set(bind.portal, {
      batch,
      request: {
        write: statement.write,
        parameters: bind.parameters,
        parameterFormats: bind.parameterFormats,
        parameterTypes: statement.parameterTypes,
        resultFormats: bind.resultFormats
      }
    })
  }

  /** The write portal an Execute's body runs, if it is one. */
  executed(body: Buffer): Portal<W> | undefined {
    return this.portals.size === 0 ? undefined : this.portals.get(Frontend.decodeExecute(body).portal)
  }

  /** A Close's body. */
  closed(body: Buffer): void {
    if (this.none) return
    const target = Frontend.decodeTarget(body)
    if (target.kind === "S") this.statements.delete(target.name)
    else this.portals.delete(target.name)
  }

  /**
   * Portals end with their transaction: the session went idle after the first `answered`
   * of the client's batches. Portals the client bound after those (it sends its next
   * batch before this one is answered) belong to a transaction that has not ended.
   */
  transactionEnded(answered: number): void {
    if (this.portals.size === 0) return
    for (const [name, portal] of this.portals) if (portal.batch < answered) this.portals.delete(name)
  }
}

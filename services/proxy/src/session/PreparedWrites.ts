/**
 * Which of a session's prepared statements and portals are writes the proxy executes
 * itself: a Parse of a write names a statement, a Bind of that statement a portal, and an
 * Execute of that portal is the proxy's to answer. Everything else is upstream's, and
 * needs nothing kept: while no write is prepared, the relay's hot path skips all of this.
 */
import * as Frontend from "../wire/Frontend.js"
import type { ExecuteRequest } from "./Writes.js"

interface Statement<W> {
  readonly write: W
  readonly parameterTypes: ReadonlyArray<number>
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

  parsedWrite(name: string, write: W, parameterTypes: ReadonlyArray<number>): void {
    this.statements.set(name, { write, parameterTypes })
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
    if (statement === undefined) {
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

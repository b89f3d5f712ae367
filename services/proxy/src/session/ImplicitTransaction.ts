/**
 * Postgres runs the statements of a multi-statement simple query outside a transaction
 * block as one implicit transaction: it commits when the query ends, and the first error
 * rolls back what ran before it and skips the rest. The relay runs a query with a write to
 * a synced table statement by statement, each other statement a Query of its own upstream,
 * which upstream would commit on its own. So the relay stands in for the implicit
 * transaction with a block of its own upstream: its BEGIN before the first statement that
 * would run outside a block, its COMMIT when the query ends, its ROLLBACK after the first
 * error (OwnRequests; their answers never reach the client, which gets ReadyForQuery I as
 * from Postgres).
 *
 * Postgres counts the implicit transaction as a transaction block, so VACUUM, CREATE
 * DATABASE and the other statements that cannot run in one fail inside the stand-in with
 * Postgres' own error. Only the transaction statements act differently in an explicit
 * block, and are met here (TransactionControl):
 * - BEGIN makes the implicit transaction a block, the statements before it included: it
 *   runs in the stand-in, which is the client's block from then on, and its WARNING that
 *   a transaction is already in progress is dropped. Its options fail after a statement
 *   ran as they do in Postgres, and the stand-in is rolled back (Postgres rolls back a
 *   BEGIN that fails).
 * - COMMIT and ROLLBACK end the implicit transaction with a WARNING that no transaction is
 *   in progress: the stand-in is committed or rolled back first, then the statement runs
 *   outside any block, where upstream answers with that WARNING. What follows is a new
 *   implicit transaction.
 * - SAVEPOINT, RELEASE, ROLLBACK TO and AND CHAIN fail in the implicit transaction: the
 *   stand-in is rolled back first (the error would), then upstream fails the statement
 *   outside a block with the same error.
 */
import type { TransactionStatus } from "../wire/Backend.js"
import type { TransactionControl } from "./Writes.js"

export interface Step {
  /** What happens to the stand-in before the statement runs: opened, committed, rolled back, or nothing. */
  readonly before: "open" | "commit" | "rollback" | "nothing"
  /** Drop the statement's notices (BEGIN in the stand-in). */
  readonly dropNotices: boolean
}

const step = (before: Step["before"], dropNotices = false): Step => ({ before, dropNotices })
const NOTHING = step("nothing")
const OPEN = step("open")
const COMMIT_FIRST = step("commit")
const ROLLBACK_FIRST = step("rollback")
const MERGE_INTO_BLOCK = step("nothing", true)

/**
 * The step before a statement of a multi-statement query, given whether the stand-in is
 * open and the session's transaction status. Outside any block, a transaction statement
 * runs as it is: upstream, outside a block, answers it as Postgres answers it in an
 * implicit transaction that has run nothing.
 */
export const before = (control: TransactionControl | undefined, standIn: boolean, status: TransactionStatus): Step => {
  if (!standIn) return control === undefined && status === "I" ? OPEN : NOTHING
  switch (control) {
    case undefined:
      return NOTHING
    case "begin":
      return MERGE_INTO_BLOCK
    case "commit":
      return COMMIT_FIRST
    case "rollback":
    case "blockOnly":
      return ROLLBACK_FIRST
  }
}

/** Whether the stand-in is open after a statement that succeeded in it: BEGIN made it the client's block. */
export const standsInAfter = (control: TransactionControl | undefined, status: TransactionStatus): boolean =>
  control !== "begin" && status === "T"

/**
 * Which statements of a multi-statement query begin or end a transaction block, or work
 * only in one (see TransactionControl), from the parse tree. PREPARE TRANSACTION and
 * COMMIT or ROLLBACK PREPARED are none of these: the last two cannot run in a block, and
 * upstream refuses them inside the proxy's stand-in for the implicit transaction as
 * Postgres refuses them inside the implicit transaction itself.
 */
import type { TransactionControl } from "../session/Writes.js"

type Node = Readonly<Record<string, unknown>>

export const controlOf = (stmt: Node): TransactionControl | undefined => {
  const transaction = stmt.TransactionStmt as Node | undefined
  if (transaction === undefined) return undefined
  const chained = transaction.chain === true
  switch (transaction.kind) {
    case "TRANS_STMT_BEGIN":
    case "TRANS_STMT_START":
      return "begin"
    case "TRANS_STMT_COMMIT":
      return chained ? "blockOnly" : "commit"
    case "TRANS_STMT_ROLLBACK":
      return chained ? "blockOnly" : "rollback"
    case "TRANS_STMT_SAVEPOINT":
    case "TRANS_STMT_RELEASE":
    case "TRANS_STMT_ROLLBACK_TO":
      return "blockOnly"
    default:
      return undefined
  }
}

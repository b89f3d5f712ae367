/**
 * The hot path's share of the relay's client messages (Relay.onClientMessage): which
 * messages go upstream unchanged with nothing decoded, accounted for in place
 * (WholeMessages). A Query or Parse whose SQL certainly does not write, and the messages
 * there is nothing to track for while the session has no prepared write; everything else
 * is left, untouched, to the general path.
 */
import { B, C, COPY_DATA, COPY_DONE, COPY_FAIL, D, E, F, H, P, Q, S } from "../wire/MessageCodes.js"
import type { Accept } from "../wire/WholeMessages.js"
import type { PreparedWrites } from "./PreparedWrites.js"
import type { Unanswered } from "./Unanswered.js"
import type { Writes } from "./Writes.js"

/** Accounts for a message that goes upstream unchanged and needs nothing decoded; false, having done nothing, for everything else. */
export const passesUnchanged = <W>(writes: Writes<W>, prepared: PreparedWrites<W>, unanswered: Unanswered): Accept =>
  (chunk, type, bodyStart, end) => {
    switch (type) {
      case Q:
        // The SQL text ends before the message's terminating NUL.
        if (!writes.certainlyPasses(chunk, bodyStart, end - 1)) return false
        break
      case P: {
        if (!prepared.noStatements) return false
        const nameEnd = chunk.indexOf(0, bodyStart)
        const sqlEnd = nameEnd < 0 ? -1 : chunk.indexOf(0, nameEnd + 1)
        if (sqlEnd < 0 || sqlEnd >= end || !writes.certainlyPasses(chunk, nameEnd + 1, sqlEnd)) return false
        break
      }
      case B:
      case C:
      case E:
        // Without a prepared write there is nothing to track (the relay's Bind, Close and Execute).
        if (!prepared.none) return false
        break
      case D:
      case S:
      case F:
        break
      case H:
      case COPY_DATA:
      case COPY_DONE:
      case COPY_FAIL:
        return true
      default:
        return false
    }
    unanswered.account(type)
    return true
  }

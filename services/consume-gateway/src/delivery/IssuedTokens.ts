/**
 * The ack tokens this replica issued and has not seen back yet, by their exact text: a token
 * handed back to the replica that issued it (a worker that keeps its connection, as most do)
 * is read from here instead of verified and decoded again. In `bench:gateway` reading a token
 * (HMAC, base64url, JSON) was about a tenth of the gateway's CPU per message.
 *
 * As safe as the signature: only a string equal, character for character, to one this
 * process signed is found, and it means exactly what was signed. A token not found (issued
 * by another replica, evicted, or handed back a second time) is verified as before.
 */
import type { AckToken } from "./AckToken.js"

/**
 * Bounds the memory (a token is about 270 characters: some 7 MiB in all). Far above what one
 * replica has in flight at a time in the common case; past it, the oldest are forgotten (they
 * are verified when they come back).
 */
export const MAX_REMEMBERED = 16_384

export class IssuedTokens {
  /** In the order issued, so the first is the oldest. */
  private readonly issued = new Map<string, AckToken>()

  remember(text: string, token: AckToken) {
    this.issued.set(text, token)
    if (this.issued.size > MAX_REMEMBERED) this.issued.delete(this.issued.keys().next().value!)
  }

  /**
   * The token issued as `text`, forgotten as it is returned: a token comes back once in the
   * common case, and one sent again is verified like any other.
   */
  take(text: string): AckToken | undefined {
    const token = this.issued.get(text)
    if (token !== undefined) this.issued.delete(text)
    return token
  }

  get size(): number {
    return this.issued.size
  }
}

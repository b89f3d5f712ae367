/**
 * The hot path's framing. A received chunk usually holds whole messages only (a pgbench
 * query, its answer); then the relay needs neither slices nor a FrameScanner: it walks the
 * headers in place, lets each message be accounted for, and forwards the chunk itself.
 *
 * `acceptWhole` walks the messages at the start of `chunk` and returns where the run it
 * could take ends: at the first message the chunk does not hold whole, or that `accept`
 * declined (having done nothing with it), or at a malformed length. Everything from there
 * on is the FrameScanner's, which handles every case.
 */

/** Takes a message (type, body from `bodyStart` to `end`); false leaves it untouched, for the general path. */
export type Accept = (chunk: Buffer, type: number, bodyStart: number, end: number) => boolean

export const acceptWhole = (chunk: Buffer, accept: Accept): number => {
  const size = chunk.length
  let at = 0
  while (size - at >= 5) {
    const length = (chunk[at + 1]! << 24) | (chunk[at + 2]! << 16) | (chunk[at + 3]! << 8) | chunk[at + 4]!
    if (length < 4) break
    const end = at + 1 + length
    if (end > size || !accept(chunk, chunk[at]!, at + 5, end)) break
    at = end
  }
  return at
}

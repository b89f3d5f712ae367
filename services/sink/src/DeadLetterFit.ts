/**
 * A dead letter that fits the server's `max_payload`. A record close to the limit fit on
 * RECORDS, but not with the headers a dead letter adds (the reason can hold a few KB of
 * Postgres' DETAIL): the publish would fail and the record come back forever, so a record
 * the sink gives up on would never be given up. What does not fit is cut, in this order,
 * each step only if the one before was not enough:
 *
 * 1. the reason, down to `MIN_REASON_BYTES` (its start says what failed);
 * 2. the body, to its first bytes (`BODY_TRUNCATED`, `ORIGINAL_SIZE`);
 * 3. the original headers, when even an empty body leaves no room for them
 *    (`ORIGINAL_HEADERS_DROPPED`).
 *
 * Whatever is cut is still in the original stream at the letter's `ORIGINAL_SEQUENCE`, for
 * as long as that stream keeps it. Sizes are counted the way nats.js writes a message:
 * the header block's bytes plus the body's.
 */
import { DeadLetters } from "@tributary/core"

export type Header = readonly [name: string, value: string]

export interface Parts {
  /** The original message's headers (or the note that they could not be read). */
  readonly original: ReadonlyArray<Header>
  readonly reason: string
  /** The sink's other headers, always kept. */
  readonly ours: ReadonlyArray<Header>
  /** Headers the publish itself adds (`Nats-Msg-Id`): counted, not returned. */
  readonly added: ReadonlyArray<Header>
  readonly body: Uint8Array
  /** Where the whole original is, for the notes on what was cut: `message 42 of RECORDS, while it keeps it`. */
  readonly whereWhole: string
}

export interface Letter {
  readonly headers: ReadonlyArray<Header>
  readonly body: Uint8Array
}

/** Enough of a reason to say what failed and why, whatever else has to go. */
export const MIN_REASON_BYTES = 512

const TRIMMED = " … (trimmed to fit the server's max_payload)"

/** The reason, `over` bytes shorter if it can be, not below `MIN_REASON_BYTES`, and saying so. */
const trimReason = (reason: string, over: number): string => {
  const bytes = Buffer.byteLength(reason)
  const keep = Math.max(MIN_REASON_BYTES, bytes - over - Buffer.byteLength(TRIMMED))
  return keep + Buffer.byteLength(TRIMMED) < bytes ? utf8Prefix(reason, keep) + TRIMMED : reason
}

/** The header block as nats.js encodes it: `NATS/1.0`, `\r\nName: value` per header, `\r\n\r\n`. */
export const headerBytes = (headers: ReadonlyArray<Header>): number => {
  let size = "NATS/1.0".length + 4
  for (const [name, value] of headers) size += 4 + Buffer.byteLength(name) + Buffer.byteLength(value)
  return size
}

/** The longest start of `text` of at most `bytes` UTF-8 bytes, never half a character. */
export const utf8Prefix = (text: string, bytes: number): string => {
  const encoded = Buffer.from(text)
  if (encoded.length <= bytes) return text
  let end = Math.max(0, bytes)
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--
  return encoded.subarray(0, end).toString()
}

export const fit = (parts: Parts, maxPayload: number): Letter => {
  const size = (headers: ReadonlyArray<Header>, body: Uint8Array) => headerBytes([...headers, ...parts.added]) + body.length
  const withReason = (original: ReadonlyArray<Header>, reason: string): Array<Header> =>
    [...original, [DeadLetters.REASON, reason], ...parts.ours]

  const whole = withReason(parts.original, parts.reason)
  const over = size(whole, parts.body) - maxPayload
  if (over <= 0) return { headers: whole, body: parts.body }

  // 1. The reason, trimmed: with the whole body, the dead letter can still be replayed as it is.
  const reason = trimReason(parts.reason, over)
  const trimmed = withReason(parts.original, reason)
  if (size(trimmed, parts.body) <= maxPayload) return { headers: trimmed, body: parts.body }

  // 2. The body, cut to what fits beside the headers and the notes that say so.
  const cut = (headers: ReadonlyArray<Header>): Letter | undefined => {
    const note = (kept: number): Array<Header> => [
      [DeadLetters.BODY_TRUNCATED, `kept the first ${kept} of ${parts.body.length} bytes; the whole body is in ${parts.whereWhole}`],
      [DeadLetters.ORIGINAL_SIZE, String(parts.body.length)]
    ]
    // The note's own length depends on how much is kept: count it with the most it can say.
    const room = maxPayload - size([...headers, ...note(parts.body.length)], new Uint8Array(0))
    if (room < 0) return undefined
    if (room >= parts.body.length) return { headers, body: parts.body }
    return { headers: [...headers, ...note(room)], body: parts.body.subarray(0, room) }
  }
  const shortened = cut(trimmed)
  if (shortened !== undefined) return shortened

  // 3. The original headers, which leave no room even for an empty body.
  const dropped: Header = [DeadLetters.ORIGINAL_HEADERS_DROPPED,
    `${headerBytes(parts.original)} bytes did not fit; they are in ${parts.whereWhole}`]
  const bare = [dropped, ...withReason([], reason)]
  // Past this, max_payload is smaller than the sink's own headers: the publish fails, and says so.
  return cut(bare) ?? { headers: bare, body: new Uint8Array(0) }
}

/**
 * Splits a byte stream of typed Postgres messages (`type` byte, int32 length, body) into
 * pieces without copying: runs of messages nobody needs to look at come out as one slice
 * of the received chunk ("bytes", forwarded as they are), and only message types the
 * caller asks for come out whole ("frame"). A large streamed message (a big DataRow or
 * CopyData) is passed on chunk by chunk, never reassembled.
 *
 * Pull-based, so a caller can stop in the middle of a chunk (to wait for the API) and
 * resume later where it left off.
 */
import { ProtocolViolation } from "./Reader.js"

export type Piece =
  | { readonly kind: "bytes"; readonly bytes: Buffer }
  | {
    readonly kind: "frame"
    readonly type: number
    /** The message body, after the 5-byte header. */
    readonly body: Buffer
    /** Header and body, ready to forward. */
    readonly raw: Buffer
  }

const EMPTY = Buffer.alloc(0)

/** A length below its own four bytes would walk backwards through the stream. */
const checkedLength = (length: number): number => {
  if (length < 4) throw new ProtocolViolation(`invalid message length ${length}`)
  return length
}

export class FrameScanner {
  private chunk: Buffer = EMPTY
  private offset = 0
  private readonly queue: Array<Buffer> = []
  /** Body bytes of a streamed message still to pass on. */
  private streaming = 0
  /** A header or a wanted message split across chunks. */
  private partial: Array<Buffer> = []
  private partialLength = 0
  private partialNeed = 0

  constructor(private readonly wantsWhole: (type: number) => boolean) {}

  push(chunk: Buffer): void {
    // Chunks still queued come first, even when the current one is used up.
    if (this.offset >= this.chunk.length && this.queue.length === 0) {
      this.chunk = chunk
      this.offset = 0
    } else {
      this.queue.push(chunk)
    }
  }

  /** Nothing received is left to return, and no message is half-read: the next chunk starts afresh. */
  get idle(): boolean {
    return this.offset >= this.chunk.length && this.queue.length === 0 && this.streaming === 0 && this.partialNeed === 0
  }

  /** Part of a message has been returned and the rest is still to come. */
  get midMessage(): boolean {
    return this.streaming > 0
  }

  /** Whether the scanner still refers to bytes of a chunk it was given (returned or not). */
  get holdsBytes(): boolean {
    return this.offset < this.chunk.length || this.queue.length > 0 || this.partialLength > 0
  }

  /** Bytes received but not yet returned. */
  get buffered(): number {
    let total = this.chunk.length - this.offset + this.partialLength
    for (const chunk of this.queue) total += chunk.length
    return total
  }

  /**
   * Looks ahead without taking anything: the type of the first message received and not
   * yet returned that `passes` is false for, or undefined when the received bytes end
   * first (what comes next has not arrived).
   */
  upcoming(passes: (type: number) => boolean): number | undefined {
    const segments: Array<Buffer> = []
    if (this.partialLength > 0) segments.push(...this.partial)
    segments.push(this.chunk.subarray(this.offset), ...this.queue)
    // A streamed message's body comes first; a partial message is read from its header.
    let at = this.streaming
    const total = this.buffered
    const byteAt = (position: number): number => {
      let rest = position
      for (const segment of segments) {
        if (rest < segment.length) return segment[rest]!
        rest -= segment.length
      }
      return 0
    }
    while (total - at >= 5) {
      const type = byteAt(at)
      if (!passes(type)) return type
      const length = (byteAt(at + 1) << 24) | (byteAt(at + 2) << 16) | (byteAt(at + 3) << 8) | byteAt(at + 4)
      at += 1 + checkedLength(length)
    }
    return undefined
  }

  next(): Piece | undefined {
    for (;;) {
      if (this.offset >= this.chunk.length) {
        const following = this.queue.shift()
        if (following === undefined) return undefined
        this.chunk = following
        this.offset = 0
      }
      if (this.streaming > 0) {
        const take = Math.min(this.streaming, this.chunk.length - this.offset)
        const bytes = this.chunk.subarray(this.offset, this.offset + take)
        this.offset += take
        this.streaming -= take
        return { kind: "bytes", bytes }
      }
      if (this.partialNeed > 0) {
        const piece = this.continuePartial()
        if (piece !== undefined) return piece
        continue
      }
      const piece = this.scanChunk()
      if (piece !== undefined) return piece
      // The chunk ended inside a header or a wanted message: go on with the queued chunks.
    }
  }

  /** From the current offset: a run of streamable messages, or one wanted message. */
  private scanChunk(): Piece | undefined {
    const chunk = this.chunk
    const start = this.offset
    let at = start
    while (chunk.length - at >= 5) {
      const type = chunk[at]!
      const length = checkedLength(chunk.readInt32BE(at + 1))
      const end = at + 1 + length
      if (this.wantsWhole(type)) {
        if (at > start) break
        if (end <= chunk.length) {
          this.offset = end
          return { kind: "frame", type, body: chunk.subarray(at + 5, end), raw: chunk.subarray(at, end) }
        }
        this.beginPartial(at, 1 + length)
        return undefined
      }
      if (end > chunk.length) {
        // A streamed message that runs past this chunk: pass what is here, the rest later.
        this.streaming = end - chunk.length
        at = chunk.length
        break
      }
      at = end
    }
    if (at > start) {
      this.offset = at
      return { kind: "bytes", bytes: chunk.subarray(start, at) }
    }
    // Fewer than 5 bytes left: keep them until the header is complete.
    this.beginPartial(at, 5)
    return undefined
  }

  private beginPartial(at: number, need: number): void {
    const rest = this.chunk.subarray(at)
    this.partial = [rest]
    this.partialLength = rest.length
    this.partialNeed = need
    this.offset = this.chunk.length
  }

  private continuePartial(): Piece | undefined {
    const take = Math.min(this.partialNeed - this.partialLength, this.chunk.length - this.offset)
    this.partial.push(this.chunk.subarray(this.offset, this.offset + take))
    this.partialLength += take
    this.offset += take
    if (this.partialLength < this.partialNeed) return undefined
    const joined = Buffer.concat(this.partial, this.partialLength)
    this.partial = []
    this.partialLength = 0
    if (this.partialNeed === 5) {
      // The header is complete: decide how the message goes on.
      const type = joined[0]!
      const length = checkedLength(joined.readInt32BE(1))
      if (this.wantsWhole(type)) {
        this.partial = [joined]
        this.partialLength = 5
        this.partialNeed = 1 + length
        if (length === 4) return this.continuePartialDone()
        return undefined
      }
      this.partialNeed = 0
      this.streaming = length - 4
      return { kind: "bytes", bytes: joined }
    }
    this.partialNeed = 0
    return { kind: "frame", type: joined[0]!, body: joined.subarray(5), raw: joined }
  }

  private continuePartialDone(): Piece {
    const joined = this.partial[0]!
    this.partial = []
    this.partialLength = 0
    this.partialNeed = 0
    return { kind: "frame", type: joined[0]!, body: joined.subarray(5), raw: joined }
  }
}

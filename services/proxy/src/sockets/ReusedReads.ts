/**
 * Reads from a socket into a buffer of its own, reused from read to read (Node's `onread`
 * option), instead of a new buffer per read handed through a Readable stream: on the hot
 * path that is an allocation, a reallocation and a stream `push` saved on every answer
 * from Postgres (the upstream socket, which the proxy connects) and on every query from
 * the client (the client's socket, once re-made by AcceptedReads).
 *
 * A chunk is valid during its callback only. Before each read the consumer is asked
 * whether anything still refers to the last chunk's bytes (a write to the client the
 * kernel has not taken yet, a message half-read); if so, that buffer is left to them and
 * the next read gets a new one. Nothing is overwritten while in use. What arrives before
 * there is a consumer (none, normally: the relay consumes at once) is copied and kept for it.
 */
import type { OnReadOpts } from "node:net"

/** Node's default read size for sockets, so large results take as many reads as before. */
const READ_SIZE = 64 * 1024

export interface Consumer {
  readonly onChunk: (chunk: Buffer) => void
  /** Whether the last chunk's bytes are still referenced after its callback. */
  readonly holdsLastChunk: () => boolean
}

export class ReusedReads {
  private buffer = Buffer.allocUnsafe(READ_SIZE)
  private consumer: Consumer | undefined
  /** Copies of what arrived before there was a consumer. */
  private early: Array<Buffer> = []

  /** For `net.connect` (or `new Socket`). */
  readonly onread: OnReadOpts = {
    buffer: () => this.nextBuffer(),
    callback: (bytes, buffer) => {
      const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, bytes)
      if (this.consumer === undefined) this.early.push(Buffer.from(chunk))
      else this.consumer.onChunk(chunk)
      return true
    }
  }

  /** Who the next chunks go to; `holdsLastChunk` is asked before the buffer is read into again. */
  consume(consumer: Consumer): void {
    this.consumer = consumer
    const early = this.early
    this.early = []
    for (const chunk of early) consumer.onChunk(chunk)
  }

  private nextBuffer(): Buffer {
    if (this.consumer?.holdsLastChunk() === true) this.buffer = Buffer.allocUnsafe(READ_SIZE)
    return this.buffer
  }
}

/**
 * Reads from an upstream socket into a buffer of its own, reused from read to read
 * (Node's `onread` option), instead of a new buffer per read handed through a Readable
 * stream: on the hot path that is an allocation, a reallocation and a stream `push` saved
 * on every answer from Postgres.
 *
 * A chunk is valid during its callback only. Before each read the consumer is asked
 * whether anything still refers to the last chunk's bytes (a write to the client the
 * kernel has not taken yet, a message half-read); if so, that buffer is left to them and
 * the next read gets a new one. Nothing is ever copied or overwritten while in use.
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

  /** For `net.connect`. */
  readonly onread: OnReadOpts = {
    buffer: () => this.nextBuffer(),
    callback: (bytes, buffer) => {
      this.consumer?.onChunk(Buffer.from(buffer.buffer, buffer.byteOffset, bytes))
      return true
    }
  }

  /** Who the next chunks go to; `holdsLastChunk` is asked before the buffer is read into again. */
  consume(consumer: Consumer): void {
    this.consumer = consumer
  }

  private nextBuffer(): Buffer {
    if (this.consumer?.holdsLastChunk() === true) this.buffer = Buffer.allocUnsafe(READ_SIZE)
    return this.buffer
  }
}

/**
 * Collects bytes for one socket and writes them together: adjacent slices of one received
 * chunk are merged back into a single slice, so a relayed run of messages costs one write
 * and no copy. Back-pressure pauses the source until the destination drains.
 */
import type { Socket } from "node:net"

export class Outbox {
  private pending: Array<Buffer> = []
  private last: Buffer | undefined

  constructor(private readonly destination: Socket, private readonly source: () => Socket) {}

  add(bytes: Buffer): void {
    const last = this.last
    if (last !== undefined && last.buffer === bytes.buffer && last.byteOffset + last.length === bytes.byteOffset) {
      this.last = Buffer.from(last.buffer, last.byteOffset, last.length + bytes.length)
      return
    }
    if (last !== undefined) this.pending.push(last)
    this.last = bytes
  }

  flush(): void {
    const last = this.last
    if (last === undefined) return
    this.last = undefined
    const parts = this.pending
    if (parts.length > 0) this.pending = []
    if (this.destination.destroyed) return
    let ok = true
    if (parts.length === 0) ok = this.destination.write(last)
    else {
      parts.push(last)
      this.destination.cork()
      for (const part of parts) ok = this.destination.write(part)
      this.destination.uncork()
    }
    if (!ok) {
      const source = this.source()
      source.pause()
      this.destination.once("drain", () => source.resume())
    }
  }
}

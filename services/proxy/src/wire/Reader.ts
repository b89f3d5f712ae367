/** Reads the fields of one message body, in order. */
export class MessageReader {
  private at = 0

  constructor(private readonly body: Buffer) {}

  get remaining(): number {
    return this.body.length - this.at
  }

  int8(): number {
    return this.body.readUInt8(this.advance(1))
  }

  int16(): number {
    return this.body.readInt16BE(this.advance(2))
  }

  int32(): number {
    return this.body.readInt32BE(this.advance(4))
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.at)
    if (end < 0) throw new ProtocolViolation("unterminated string in message")
    const value = this.body.toString("utf8", this.at, end)
    this.at = end + 1
    return value
  }

  bytes(length: number): Buffer {
    const start = this.advance(length)
    return this.body.subarray(start, start + length)
  }

  private advance(n: number): number {
    if (this.at + n > this.body.length) throw new ProtocolViolation("message shorter than its fields")
    const start = this.at
    this.at += n
    return start
  }
}

/** A client sent bytes that are not valid protocol: answered with 08P01. */
export class ProtocolViolation extends Error {}

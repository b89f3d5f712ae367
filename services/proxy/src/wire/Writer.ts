/** Builds one protocol message: a type byte, an int32 length, then the fields. */
export class MessageWriter {
  private parts: Array<Buffer> = []
  private size = 0

  int8(value: number): this {
    return this.add(Buffer.from([value & 0xff]))
  }

  int16(value: number): this {
    const b = Buffer.allocUnsafe(2)
    b.writeInt16BE(value)
    return this.add(b)
  }

  int32(value: number): this {
    const b = Buffer.allocUnsafe(4)
    b.writeInt32BE(value | 0)
    return this.add(b)
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(value: string): this {
    return this.add(Buffer.from(`${value}\0`, "utf8"))
  }

  bytes(value: Buffer): this {
    return this.add(value)
  }

  /** The message with a type byte (backend and most frontend messages). */
  typed(type: string): Buffer {
    const header = Buffer.allocUnsafe(5)
    header[0] = type.charCodeAt(0)
    header.writeInt32BE(this.size + 4, 1)
    return Buffer.concat([header, ...this.parts], this.size + 5)
  }

  /** The message without a type byte (startup, SSLRequest, CancelRequest). */
  untyped(): Buffer {
    const header = Buffer.allocUnsafe(4)
    header.writeInt32BE(this.size + 4)
    return Buffer.concat([header, ...this.parts], this.size + 4)
  }

  private add(b: Buffer): this {
    this.parts.push(b)
    this.size += b.length
    return this
  }
}

export const message = () => new MessageWriter()

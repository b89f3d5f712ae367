/**
 * A response body: a string, one buffer, or buffers written one after another. List pages are
 * the last kind: each object's cached UTF-8 JSON is written as is (corked into one writev), so a
 * page of 100 objects never becomes one large JS string, which is what made big pages slow.
 */
export interface Chunks {
  readonly chunks: ReadonlyArray<Buffer>
  readonly length: number
}

export type Body = string | Buffer | Chunks

export const bodyLength = (body: Body): number =>
  typeof body === "string" ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : body.length

export const bodyText = (body: Body): string =>
  typeof body === "string" ? body : Buffer.isBuffer(body) ? body.toString("utf8") : Buffer.concat(body.chunks).toString("utf8")

/** Builds `Chunks` from parts, joining them with `separator`. */
export const joinChunks = (head: Buffer, parts: ReadonlyArray<Buffer>, separator: Buffer, tail: Buffer): Chunks => {
  const chunks: Array<Buffer> = [head]
  let length = head.length + tail.length
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]
    if (part === undefined) continue
    if (index > 0) {
      chunks.push(separator)
      length += separator.length
    }
    chunks.push(part)
    length += part.length
  }
  chunks.push(tail)
  return { chunks, length }
}

/**
 * Client messages: decoding what the proxy must understand (startup, Parse, Bind,
 * Execute, Describe, Close), and encoding what it sends upstream itself.
 */
import { MessageReader, ProtocolViolation } from "./Reader.js"
import { message } from "./Writer.js"

export const PROTOCOL_3 = 196608
export const SSL_REQUEST = 80877103
export const GSSENC_REQUEST = 80877104
export const CANCEL_REQUEST = 80877102

export type StartupPacket =
  | { readonly kind: "ssl" }
  | { readonly kind: "gssenc" }
  | { readonly kind: "cancel"; readonly processId: number; readonly secret: number }
  | {
    readonly kind: "startup"
    readonly minor: number
    readonly parameters: ReadonlyMap<string, string>
  }

/** The body of the first, untyped packet (after its int32 length). */
export const decodeStartup = (body: Buffer): StartupPacket => {
  const r = new MessageReader(body)
  const code = r.int32()
  if (code === SSL_REQUEST) return { kind: "ssl" }
  if (code === GSSENC_REQUEST) return { kind: "gssenc" }
  if (code === CANCEL_REQUEST) return { kind: "cancel", processId: r.int32(), secret: r.int32() }
  if (code >> 16 !== 3) throw new ProtocolViolation(`unsupported frontend protocol ${code >> 16}.${code & 0xffff}`)
  const parameters = new Map<string, string>()
  while (r.remaining > 1) {
    const name = r.cstring()
    if (name === "") break
    parameters.set(name, r.cstring())
  }
  return { kind: "startup", minor: code & 0xffff, parameters }
}

export const encodeStartup = (parameters: ReadonlyMap<string, string>) => {
  const m = message().int32(PROTOCOL_3)
  for (const [name, value] of parameters) m.cstring(name).cstring(value)
  return m.int8(0).untyped()
}

export const encodeCancel = (processId: number, secret: number) =>
  message().int32(CANCEL_REQUEST).int32(processId).int32(secret).untyped()

export interface Parse {
  readonly statement: string
  readonly sql: string
  readonly parameterTypes: ReadonlyArray<number>
}

export const decodeParse = (body: Buffer): Parse => {
  const r = new MessageReader(body)
  const statement = r.cstring()
  const sql = r.cstring()
  const count = r.int16()
  const parameterTypes: Array<number> = []
  for (let i = 0; i < count; i++) parameterTypes.push(r.int32() >>> 0)
  return { statement, sql, parameterTypes }
}

/** Only the names, for the hot path: which statement a portal is bound to. */
export const decodeBindNames = (body: Buffer): { readonly portal: string; readonly statement: string } => {
  const r = new MessageReader(body)
  return { portal: r.cstring(), statement: r.cstring() }
}

export interface Bind {
  readonly portal: string
  readonly statement: string
  /** One format per parameter (0 text, 1 binary), already expanded. */
  readonly parameterFormats: ReadonlyArray<number>
  readonly parameters: ReadonlyArray<Buffer | null>
  /** As sent: empty (all text), one (for all) or one per column. */
  readonly resultFormats: ReadonlyArray<number>
}

export const decodeBind = (body: Buffer): Bind => {
  const r = new MessageReader(body)
  const portal = r.cstring()
  const statement = r.cstring()
  const formatCount = r.int16()
  const formats: Array<number> = []
  for (let i = 0; i < formatCount; i++) formats.push(r.int16())
  const count = r.int16()
  const parameters: Array<Buffer | null> = []
  for (let i = 0; i < count; i++) {
    const length = r.int32()
    parameters.push(length < 0 ? null : r.bytes(length))
  }
  const resultCount = r.int16()
  const resultFormats: Array<number> = []
  for (let i = 0; i < resultCount; i++) resultFormats.push(r.int16())
  const parameterFormats = parameters.map((_, i) => formatCount === 0 ? 0 : formatCount === 1 ? formats[0]! : formats[i] ?? 0)
  return { portal, statement, parameterFormats, parameters, resultFormats }
}

export const decodeExecute = (body: Buffer): { readonly portal: string; readonly maxRows: number } => {
  const r = new MessageReader(body)
  return { portal: r.cstring(), maxRows: r.int32() }
}

/** Describe and Close: `S` (statement) or `P` (portal), and the name. */
export const decodeTarget = (body: Buffer): { readonly kind: "S" | "P"; readonly name: string } => {
  const r = new MessageReader(body)
  const kind = String.fromCharCode(r.int8())
  if (kind !== "S" && kind !== "P") throw new ProtocolViolation(`invalid Describe/Close target ${kind}`)
  return { kind, name: r.cstring() }
}

export const encodeQuery = (sql: string) => message().cstring(sql).typed("Q")

export const flush = message().typed("H")

export const sync = message().typed("S")

/** Parse of a statement without declared parameter types. */
export const encodeParse = (statement: string, sql: string) => message().cstring(statement).cstring(sql).int16(0).typed("P")

/** Bind without parameters, all results in text. */
export const encodeBind = (portal: string, statement: string) =>
  message().cstring(portal).cstring(statement).int16(0).int16(0).int16(0).typed("B")

export const encodeExecute = (portal: string) => message().cstring(portal).int32(0).typed("E")

export const encodeClose = (kind: "S" | "P", name: string) => message().int8(kind.charCodeAt(0)).cstring(name).typed("C")

export const terminate = message().typed("X")

export const passwordMessage = (password: string) => message().cstring(password).typed("p")

export const saslInitialResponse = (mechanism: string, data: string) => {
  const bytes = Buffer.from(data, "utf8")
  return message().cstring(mechanism).int32(bytes.length).bytes(bytes).typed("p")
}

export const saslResponse = (data: string) => message().bytes(Buffer.from(data, "utf8")).typed("p")

export const decodeSaslInitial = (body: Buffer): { readonly mechanism: string; readonly data: string } => {
  const r = new MessageReader(body)
  const mechanism = r.cstring()
  const length = r.int32()
  return { mechanism, data: length < 0 ? "" : r.bytes(length).toString("utf8") }
}

/**
 * Messages the proxy itself sends to a client (everything else is relayed from the
 * upstream Postgres as it came).
 */
import { message } from "./Writer.js"

export type TransactionStatus = "I" | "T" | "E"

export const authenticationOk = message().int32(0).typed("R")

export const authenticationSasl = (mechanisms: ReadonlyArray<string>) => {
  const m = message().int32(10)
  for (const mechanism of mechanisms) m.cstring(mechanism)
  return m.int8(0).typed("R")
}

export const authenticationSaslContinue = (data: string) =>
  message().int32(11).bytes(Buffer.from(data, "utf8")).typed("R")

export const authenticationSaslFinal = (data: string) =>
  message().int32(12).bytes(Buffer.from(data, "utf8")).typed("R")

export const parameterStatus = (name: string, value: string) => message().cstring(name).cstring(value).typed("S")

export const backendKeyData = (processId: number, secret: number) =>
  message().int32(processId).int32(secret).typed("K")

export const readyForQuery = (status: TransactionStatus) => message().int8(status.charCodeAt(0)).typed("Z")

export const commandComplete = (tag: string) => message().cstring(tag).typed("C")

export const emptyQueryResponse = message().typed("I")

export const noData = message().typed("n")

/** Versions this proxy speaks: 3.0, and unknown `_pq_.` options are refused. */
export const negotiateProtocolVersion = (newestMinor: number, unsupported: ReadonlyArray<string>) => {
  const m = message().int32((3 << 16) | newestMinor).int32(unsupported.length)
  for (const option of unsupported) m.cstring(option)
  return m.typed("v")
}

export interface Field {
  readonly name: string
  readonly tableId: number
  readonly columnId: number
  readonly typeId: number
  readonly typeSize: number
  readonly typeModifier: number
  readonly format: number
}

export const rowDescription = (fields: ReadonlyArray<Field>) => {
  const m = message().int16(fields.length)
  for (const f of fields) {
    m.cstring(f.name).int32(f.tableId).int16(f.columnId).int32(f.typeId).int16(f.typeSize).int32(f.typeModifier)
      .int16(f.format)
  }
  return m.typed("T")
}

/** `null` is SQL NULL. */
export const dataRow = (values: ReadonlyArray<Buffer | null>) => {
  const m = message().int16(values.length)
  for (const value of values) {
    if (value === null) m.int32(-1)
    else m.int32(value.length).bytes(value)
  }
  return m.typed("D")
}

/** Fields of an ErrorResponse or NoticeResponse, by their protocol letters. */
export interface Report {
  readonly severity: "ERROR" | "FATAL" | "NOTICE" | "WARNING"
  readonly code: string
  readonly message: string
  readonly detail?: string
  readonly hint?: string
  /** 1-based character position in the query. */
  readonly position?: number
  readonly schema?: string
  readonly table?: string
  readonly column?: string
}

const fields = (report: Report): Buffer => {
  const m = message()
  const add = (letter: string, value: string | undefined) => {
    if (value !== undefined) m.int8(letter.charCodeAt(0)).cstring(value)
  }
  add("S", report.severity)
  add("V", report.severity)
  add("C", report.code)
  add("M", report.message)
  add("D", report.detail)
  add("H", report.hint)
  add("P", report.position === undefined ? undefined : String(report.position))
  add("s", report.schema)
  add("t", report.table)
  add("c", report.column)
  return m.int8(0).untyped().subarray(4)
}

export const errorResponse = (report: Report) => message().bytes(fields(report)).typed("E")

export const noticeResponse = (report: Report) => message().bytes(fields(report)).typed("N")

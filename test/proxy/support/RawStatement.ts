/**
 * One extended-protocol statement (Parse, Bind, Describe, Execute, Sync) with result
 * formats chosen per column, and its answer as the bytes on the wire. node-postgres asks
 * for all text or all binary, and decodes every DataRow field as UTF-8, which mangles
 * binary values; comparing the proxy's binary answer with Postgres' needs the bytes
 * themselves. The statement is written on a logged-in node-postgres connection and read
 * off its socket; the client's own handlers are told nothing.
 */
import type pg from "pg"
import { takeOver } from "./TakeOver.js"

export interface Column {
  readonly name: string
  readonly typeId: number
  readonly format: number
}

export interface RawAnswer {
  readonly columns: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<ReadonlyArray<Buffer | null>>
  /** The CommandComplete tag, or `error:SQLSTATE`. */
  readonly outcome: string
}

const frame = (type: string, body: Buffer): Buffer => {
  const header = Buffer.alloc(5)
  header.write(type, 0, "latin1")
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}

const cstring = (s: string) => Buffer.from(`${s}\0`, "utf8")

const int16s = (values: ReadonlyArray<number>) => {
  const out = Buffer.alloc(2 + 2 * values.length)
  out.writeInt16BE(values.length, 0)
  values.forEach((v, i) => out.writeInt16BE(v, 2 + 2 * i))
  return out
}

const int16 = (value: number) => {
  const out = Buffer.alloc(2)
  out.writeInt16BE(value, 0)
  return out
}

const bind = (values: ReadonlyArray<string | null>, resultFormats: ReadonlyArray<number>) => {
  const parameters = values.map((value) => {
    const length = Buffer.alloc(4)
    if (value === null) {
      length.writeInt32BE(-1, 0)
      return length
    }
    const bytes = Buffer.from(value, "utf8")
    length.writeInt32BE(bytes.length, 0)
    return Buffer.concat([length, bytes])
  })
  return frame("B", Buffer.concat([cstring(""), cstring(""), int16s([]), int16(values.length), ...parameters, int16s(resultFormats)]))
}

const statement = (text: string, values: ReadonlyArray<string | null>, resultFormats: ReadonlyArray<number>) =>
  Buffer.concat([
    frame("P", Buffer.concat([cstring(""), cstring(text), int16s([])])),
    bind(values, resultFormats),
    frame("D", Buffer.concat([Buffer.from("P", "latin1"), cstring("")])),
    frame("E", Buffer.concat([cstring(""), Buffer.alloc(4)])),
    frame("S", Buffer.alloc(0))
  ])

const readCstring = (body: Buffer, at: number): [string, number] => {
  const end = body.indexOf(0, at)
  return [body.toString("utf8", at, end), end + 1]
}

const columnsOf = (body: Buffer): Array<Column> => {
  const count = body.readInt16BE(0)
  const columns: Array<Column> = []
  let at = 2
  for (let i = 0; i < count; i++) {
    const [name, next] = readCstring(body, at)
    columns.push({ name, typeId: body.readInt32BE(next + 6), format: body.readInt16BE(next + 16) })
    at = next + 18
  }
  return columns
}

const rowOf = (body: Buffer): Array<Buffer | null> => {
  const count = body.readInt16BE(0)
  const values: Array<Buffer | null> = []
  let at = 2
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(at)
    at += 4
    if (length === -1) {
      values.push(null)
    } else {
      values.push(Buffer.from(body.subarray(at, at + length)))
      at += length
    }
  }
  return values
}

const sqlState = (body: Buffer): string => {
  let at = 0
  while (at < body.length && body[at] !== 0) {
    const field = String.fromCharCode(body[at]!)
    const [value, next] = readCstring(body, at + 1)
    if (field === "C") return value
    at = next
  }
  return "unknown"
}

interface Socket {
  readonly write: (bytes: Buffer) => void
  readonly on: (event: "data", listener: (chunk: Buffer) => void) => void
  readonly off: (event: "data", listener: (chunk: Buffer) => void) => void
}

/** Runs `text` with text parameters, the columns in `resultFormats` (Bind's result format codes). */
export const execute = (
  client: pg.Client,
  text: string,
  values: ReadonlyArray<string | null>,
  resultFormats: ReadonlyArray<number>
): Promise<RawAnswer> =>
  new Promise((resolve) => {
    let columns: Array<Column> = []
    const rows: Array<Array<Buffer | null>> = []
    let outcome = "none"
    let pending = Buffer.alloc(0)
    takeOver(client, (connection: { stream: Socket }) => {
      const onData = (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
          const type = String.fromCharCode(pending[0]!)
          const end = 1 + pending.readInt32BE(1)
          const body = pending.subarray(5, end)
          pending = pending.subarray(end)
          if (type === "T") columns = columnsOf(body)
          else if (type === "D") rows.push(rowOf(body))
          else if (type === "C") outcome = readCstring(body, 0)[0]
          else if (type === "E") outcome = `error:${sqlState(body)}`
          else if (type === "Z") {
            connection.stream.off("data", onData)
            resolve({ columns, rows, outcome })
            return
          }
        }
      }
      connection.stream.on("data", onData)
      connection.stream.write(statement(text, values, resultFormats))
    })
  })

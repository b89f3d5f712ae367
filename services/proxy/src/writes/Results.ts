/**
 * RETURNING rows in the formats the client asked for in Bind: text by default, binary
 * per column where requested (JDBC asks for binary ints). Values are passed on exactly as
 * Postgres encoded them: the proxy parses nothing.
 *
 * node-postgres decodes every DataRow field as UTF-8 text, which would mangle a binary
 * value (int4 200, `00 00 00 c8`, became `00 00 00 ef bf bd`), so nothing is asked of it
 * in binary. A binary column is read through its type's send function, the very function
 * Postgres sends it with, as base64 text (`encode(int4send(c), 'base64')`, `Queries.returning`),
 * and decoded back to those bytes here: arrays, domains, enums and composites alike. The
 * columns' types are known before the API call (RETURNING is described then), and their
 * send functions are cached (`SendFunctions`), so binary columns cost no round trip of
 * their own once their types are known, and a text-only RETURNING runs as written.
 */
import type pg from "pg"
import type { Field } from "../wire/Backend.js"
import type { NoSendFunction, SendFunctions } from "./SendFunctions.js"

export type Queryable = Pick<pg.ClientBase, "query">

/** RETURNING's columns, in the client's formats, and how each is read. */
export interface Shape {
  readonly fields: ReadonlyArray<Field>
  /** Per column: the send function a binary column is read through; undefined for a text column. */
  readonly senders: ReadonlyArray<string | undefined>
}

const raw = { getTypeParser: () => (value: string) => value }

const run = (client: Queryable, text: string, values: ReadonlyArray<unknown>) => {
  const config: pg.QueryArrayConfig = { text, values: [...values], rowMode: "array", types: raw }
  return client.query(config)
}

const formatOf = (formats: ReadonlyArray<number>, column: number): number =>
  formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : formats[column] ?? 0

/**
 * RETURNING's shape, from `text` (the RETURNING query reading no rows), with the send
 * function of each column the client asked in binary.
 */
export const describe = async (
  client: Queryable,
  text: string,
  values: ReadonlyArray<unknown>,
  formats: ReadonlyArray<number>,
  sendFunctions: SendFunctions
): Promise<Shape | NoSendFunction> => {
  const result = await run(client, text, values)
  const fields = result.fields.map((f, i) => ({
    name: f.name,
    tableId: f.tableID,
    columnId: f.columnID,
    typeId: f.dataTypeID,
    typeSize: f.dataTypeSize,
    typeModifier: f.dataTypeModifier,
    format: formatOf(formats, i)
  }))
  const binary = fields.filter((f) => f.format === 1).map((f) => f.typeId)
  if (binary.length === 0) return { fields, senders: [] }
  const functions = await sendFunctions.of(client, binary)
  if ("typeName" in functions) return functions
  return { fields, senders: fields.map((f) => (f.format === 1 ? functions.get(f.typeId) : undefined)) }
}

/** The rows of `text` (`Queries.returning` with the shape's senders), each value as the client asked for it. */
export const rows = async (
  client: Queryable,
  text: string,
  values: ReadonlyArray<unknown>,
  shape: Shape
): Promise<ReadonlyArray<ReadonlyArray<Buffer | null>>> => {
  const result = await run(client, text, values)
  return result.rows.map((row: ReadonlyArray<string | null>) =>
    row.map((value, i) => {
      if (value === null) return null
      return Buffer.from(value, shape.senders[i] === undefined ? "utf8" : "base64")
    })
  )
}

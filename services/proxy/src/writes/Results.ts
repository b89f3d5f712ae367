/**
 * RETURNING rows in the formats the client asked for in Bind: text by default, binary
 * per column where requested (JDBC asks for binary ints). Values are passed on exactly as
 * Postgres encoded them: the proxy parses nothing.
 */
import type pg from "pg"
import type { Field } from "../wire/Backend.js"

const raw = { getTypeParser: () => (value: string | Buffer) => value }

export type Queryable = Pick<pg.ClientBase, "query">

const run = async (client: Queryable, text: string, values: ReadonlyArray<unknown>, binary: boolean) => {
  const config: pg.QueryArrayConfig & { binary?: boolean } = { text, values: [...values], rowMode: "array", types: raw, binary }
  return client.query(config)
}

const formatOf = (formats: ReadonlyArray<number>, column: number): number =>
  formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : formats[column] ?? 0

export const resultRows = async (
  client: Queryable,
  text: string,
  values: ReadonlyArray<unknown>,
  formats: ReadonlyArray<number>
): Promise<{ readonly fields: ReadonlyArray<Field>; readonly rows: ReadonlyArray<ReadonlyArray<Buffer | null>> }> => {
  // Both at once: on a pipelining connection (ReaderSessions) binary columns cost no round trip of their own.
  const [textResult, binaryResult] = await Promise.all([
    run(client, text, values, false),
    formats.some((f) => f === 1) ? run(client, text, values, true) : undefined
  ])
  const fields = textResult.fields.map((f, i) => ({
    name: f.name,
    tableId: f.tableID,
    columnId: f.columnID,
    typeId: f.dataTypeID,
    typeSize: f.dataTypeSize,
    typeModifier: f.dataTypeModifier,
    format: formatOf(formats, i)
  }))
  const rows = textResult.rows.map((row: ReadonlyArray<unknown>, r) =>
    row.map((value, i) => {
      if (value === null || value === undefined) return null
      if (formatOf(formats, i) === 1) return (binaryResult?.rows[r] as ReadonlyArray<unknown>)[i] as Buffer
      return Buffer.from(String(value), "utf8")
    })
  )
  return { fields, rows }
}

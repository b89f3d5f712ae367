/**
 * An extended-protocol batch as JDBC's `executeBatch` sends it: Parse, Bind and Execute
 * for each statement, one Sync at the end, written together. node-postgres sends a Sync
 * after every query, so the batch is written on its connection directly; the answer is
 * every message up to ReadyForQuery, by name (`readyForQuery:I` with its status).
 */
import type pg from "pg"
import { answers } from "./Answers.js"

export interface Statement {
  readonly text: string
  readonly values?: ReadonlyArray<string | null>
}

/** The messages that answer the batch, in order: an error as `error:SQLSTATE`. */
export const pipelined = (client: pg.Client, statements: ReadonlyArray<Statement>): Promise<Array<string>> =>
  answers(client, (connection) => {
    connection.stream.cork()
    for (const statement of statements) {
      connection.parse({ text: statement.text, types: [] })
      connection.bind({ values: [...(statement.values ?? [])] })
      connection.execute({})
    }
    connection.sync()
    connection.stream.uncork()
  }, (message) => message.name === "error" ? `error:${message.code}` : message.name)

/**
 * A simple Query written on a node-postgres connection, and every message that answers
 * it up to ReadyForQuery, by name: `commandComplete:INSERT 0 1`, `dataRow:1,2`,
 * `error:SQLSTATE`, `notice:SEVERITY:SQLSTATE`, `readyForQuery:I`. node-postgres folds a
 * multi-statement query's answers into results and throws on the first error; comparing
 * the proxy with Postgres needs the messages themselves, notices and status included.
 */
import type pg from "pg"
import { answers } from "./Answers.js"
import type { Message } from "./Answers.js"

const named = (message: Message): string => {
  switch (message.name) {
    case "commandComplete":
      return `commandComplete:${message.text}`
    case "dataRow":
      return `dataRow:${(message.fields ?? []).join(",")}`
    case "error":
      return `error:${message.code}`
    case "notice":
      return `notice:${message.severity}:${message.code}`
    default:
      return message.name
  }
}

export const simpleQuery = (client: pg.Client, sql: string): Promise<Array<string>> =>
  answers(client, (connection) => connection.query(sql), named)

/**
 * A simple Query written on a node-postgres connection, and every message that answers
 * it up to ReadyForQuery, by name: `commandComplete:INSERT 0 1`, `dataRow:1,2`,
 * `error:SQLSTATE`, `notice:SEVERITY:SQLSTATE`, `readyForQuery:I`. node-postgres folds a
 * multi-statement query's answers into results and throws on the first error; comparing
 * the proxy with Postgres needs the messages themselves, notices and status included.
 */
import type pg from "pg"

interface Message {
  readonly name: string
  readonly status?: string
  readonly code?: string
  readonly severity?: string
  readonly text?: string
  readonly fields?: ReadonlyArray<string | null>
}

interface Connection {
  readonly on: (event: "message", listener: (message: Message) => void) => void
  readonly off: (event: "message", listener: (message: Message) => void) => void
  readonly query: (text: string) => void
}

const ignore = () => undefined

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
  new Promise((resolve) => {
    const received: Array<string> = []
    // The client's own handlers call these; what the query answered is read off the connection.
    const submittable = {
      submit: (connection: Connection) => {
        const listener = (message: Message) => {
          if (message.name === "readyForQuery") {
            received.push(`readyForQuery:${message.status}`)
            connection.off("message", listener)
            resolve(received)
          } else {
            received.push(named(message))
          }
        }
        connection.on("message", listener)
        connection.query(sql)
      },
      handleRowDescription: ignore,
      handleDataRow: ignore,
      handleCommandComplete: ignore,
      handleEmptyQuery: ignore,
      handleError: ignore,
      handleReadyForQuery: ignore,
      handleCopyInResponse: ignore,
      handleCopyData: ignore
    }
    client.query(submittable as unknown as pg.QueryConfig)
  })

/**
 * An extended-protocol batch as JDBC's `executeBatch` sends it: Parse, Bind and Execute
 * for each statement, one Sync at the end, written together. node-postgres sends a Sync
 * after every query, so the batch is written on its connection directly; the answer is
 * every message up to ReadyForQuery, by name (`readyForQuery:I` with its status).
 */
import type pg from "pg"

export interface Statement {
  readonly text: string
  readonly values?: ReadonlyArray<string | null>
}

interface Message {
  readonly name: string
  readonly status?: string
  readonly code?: string
}

interface Connection {
  readonly stream: { cork: () => void; uncork: () => void }
  readonly on: (event: "message", listener: (message: Message) => void) => void
  readonly off: (event: "message", listener: (message: Message) => void) => void
  readonly parse: (query: { text: string; types: Array<number> }) => void
  readonly bind: (config: { values: Array<string | null> }) => void
  readonly execute: (config: Record<string, never>) => void
  readonly sync: () => void
}

const ignore = () => undefined

/** The messages that answer the batch, in order: an error as `error:SQLSTATE`. */
export const pipelined = (client: pg.Client, statements: ReadonlyArray<Statement>): Promise<Array<string>> =>
  new Promise((resolve) => {
    const received: Array<string> = []
    // The client's own handlers call these; what the batch answered is read off the connection.
    const submittable = {
      submit: (connection: Connection) => {
        const listener = (message: Message) => {
          if (message.name === "readyForQuery") {
            received.push(`readyForQuery:${message.status}`)
            connection.off("message", listener)
            resolve(received)
          } else {
            received.push(message.name === "error" ? `error:${message.code}` : message.name)
          }
        }
        connection.on("message", listener)
        connection.stream.cork()
        for (const statement of statements) {
          connection.parse({ text: statement.text, types: [] })
          connection.bind({ values: [...(statement.values ?? [])] })
          connection.execute({})
        }
        connection.sync()
        connection.stream.uncork()
      },
      handleRowDescription: ignore,
      handleDataRow: ignore,
      handleCommandComplete: ignore,
      handleEmptyQuery: ignore,
      handlePortalSuspended: ignore,
      handleError: ignore,
      handleReadyForQuery: ignore,
      handleCopyInResponse: ignore,
      handleCopyData: ignore
    }
    client.query(submittable as unknown as pg.QueryConfig)
  })

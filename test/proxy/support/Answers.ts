/**
 * Every message that answers what a test writes on a node-postgres connection, up to
 * ReadyForQuery (`readyForQuery:I`, with its status), each named by the caller. node-postgres
 * folds answers into results and throws on the first error; comparing the proxy with Postgres
 * needs the messages themselves. The client's own handlers are told nothing: the answers are
 * read off the connection.
 */
import type pg from "pg"
import { takeOver } from "./TakeOver.js"

export interface Message {
  readonly name: string
  readonly status?: string
  readonly code?: string
  readonly severity?: string
  readonly text?: string
  readonly fields?: ReadonlyArray<string | null>
}

export interface Connection {
  readonly stream: { cork: () => void; uncork: () => void }
  readonly on: (event: "message", listener: (message: Message) => void) => void
  readonly off: (event: "message", listener: (message: Message) => void) => void
  readonly query: (text: string) => void
  readonly parse: (query: { name?: string; text: string; types: Array<number> }) => void
  readonly bind: (config: { statement?: string; values: Array<string | null> }) => void
  readonly execute: (config: Record<string, never>) => void
  readonly sync: () => void
}

export const answers = (
  client: pg.Client,
  write: (connection: Connection) => void,
  name: (message: Message) => string
): Promise<Array<string>> =>
  new Promise((resolve) => {
    const received: Array<string> = []
    takeOver(client, (connection: Connection) => {
      const listener = (message: Message) => {
        if (message.name === "readyForQuery") {
          received.push(`readyForQuery:${message.status}`)
          connection.off("message", listener)
          resolve(received)
        } else {
          received.push(name(message))
        }
      }
      connection.on("message", listener)
      write(connection)
    })
  })

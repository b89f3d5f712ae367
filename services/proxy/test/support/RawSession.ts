/**
 * A session through the proxy spoken to byte by byte: logged in with the proxy's own
 * client side, everything it receives kept, read back as messages.
 */
import { login } from "../../src/upstream/UpstreamLogin.js"
import type { UpstreamSession } from "../../src/upstream/UpstreamLogin.js"

export interface Message {
  readonly type: string
  readonly body: Buffer
}

export interface Target {
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
}

export const open = async (target: Target) => {
  const opened: UpstreamSession = await login(
    { host: "127.0.0.1", port: target.port, user: target.user, password: target.password, database: target.database },
    new Map()
  )
  const received: Array<Buffer> = [...opened.rest]
  let closed = false
  opened.socket.on("close", () => {
    closed = true
  })
  opened.reads.consume({ onChunk: (chunk) => received.push(Buffer.from(chunk)), holdsLastChunk: () => false })
  const bytes = () => Buffer.concat(received)
  const messages = (): Array<Message> => {
    const all = bytes()
    const out: Array<Message> = []
    for (let at = 0; at + 5 <= all.length;) {
      const end = at + 1 + all.readInt32BE(at + 1)
      if (end > all.length) break
      out.push({ type: String.fromCharCode(all[at]!), body: all.subarray(at + 5, end) })
      at = end
    }
    return out
  }
  /** Waits until `count` ReadyForQuery have arrived. */
  const ready = async (count: number) => {
    const deadline = Date.now() + 20_000
    while (messages().filter((m) => m.type === "Z").length < count) {
      if (Date.now() > deadline || closed) {
        throw new Error(`expected ${count} ReadyForQuery, got ${readable(messages()).join(" ")}${closed ? " and the connection closed" : ""}`)
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    return messages()
  }
  /** Sends `data` cut every `step` bytes, each piece in a turn of its own. */
  const send = async (data: Buffer, step = data.length) => {
    for (let at = 0; at < data.length; at += step) {
      opened.socket.write(data.subarray(at, at + step))
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { socket: opened.socket, bytes, messages, ready, send, close: () => opened.socket.destroy() }
}

/** Each answer as `type:text`, with row and tag texts, so they can be compared at a glance. */
export const readable = (messages: ReadonlyArray<Message>) =>
  messages.flatMap((m) => {
    if (m.type === "D") return [`D:${m.body.subarray(6).toString()}`]
    if (m.type === "C") return [`C:${m.body.subarray(0, -1).toString()}`]
    if (m.type === "E") return [`E:${/C([0-9A-Z]{5})\0/.exec(m.body.toString("latin1"))?.[1]}`]
    return [m.type]
  })

/** The transaction status of each ReadyForQuery, in order. */
export const statusesOf = (messages: ReadonlyArray<Message>): string =>
  messages.filter((m) => m.type === "Z").map((m) => m.body.toString("latin1")).join("")

/** An ErrorResponse's or NoticeResponse's fields, by their protocol letters. */
export const fieldsOf = (message: Message): Map<string, string> => {
  const fields = new Map<string, string>()
  for (let at = 0; at < message.body.length && message.body[at] !== 0;) {
    const end = message.body.indexOf(0, at + 1)
    fields.set(String.fromCharCode(message.body[at]!), message.body.toString("utf8", at + 1, end))
    at = end + 1
  }
  return fields
}

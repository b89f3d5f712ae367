/**
 * Publishing bytes nats.js would refuse to send (a header block that does not parse), the
 * way another client or a bug could: the NATS protocol spoken over a plain socket.
 */
import { connect } from "node:net"
import { Effect } from "effect"

/** One `HPUB` with `headerBlock` as it is (it must end in CRLF CRLF), confirmed by a PING/PONG round trip. */
export const publish = (natsUrl: string, subject: string, headerBlock: string, body: Uint8Array | string) =>
  Effect.promise(() =>
    new Promise<void>((resolve, reject) => {
      const { hostname, port } = new URL(natsUrl)
      const socket = connect(Number(port), hostname)
      const headers = Buffer.from(headerBlock)
      const payload = Buffer.from(body)
      let received = ""
      socket.on("error", reject)
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString()
        if (received.includes("-ERR")) {
          socket.destroy()
          reject(new Error(`nats-server refused the message: ${received}`))
        } else if (received.includes("PONG")) {
          socket.end()
          resolve()
        }
      })
      socket.once("connect", () => {
        socket.write(`CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n`)
        socket.write(`HPUB ${subject} ${headers.length} ${headers.length + payload.length}\r\n`)
        socket.write(Buffer.concat([headers, payload, Buffer.from("\r\nPING\r\n")]))
      })
    })
  )

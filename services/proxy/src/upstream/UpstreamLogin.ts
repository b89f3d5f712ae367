/**
 * Opening a session on the upstream Postgres for one client: connect, start up with the
 * client's own session parameters, log in as the client role, and collect what the
 * server announces (ParameterStatus, BackendKeyData) up to the first ReadyForQuery.
 */
import { createHash } from "node:crypto"
import { connect } from "node:net"
import type { Socket } from "node:net"
import { ClientExchange, MECHANISM } from "../auth/Scram.js"
import type * as Backend from "../wire/Backend.js"
import * as Frontend from "../wire/Frontend.js"
import { FrameScanner } from "../wire/FrameScanner.js"
import { MessageReader } from "../wire/Reader.js"
import { ReusedReads } from "../sockets/ReusedReads.js"
import type { UpstreamTarget } from "./UpstreamTarget.js"

export interface UpstreamSession {
  readonly socket: Socket
  /** The socket's reads: no "data" events; the relay consumes them from here. */
  readonly reads: ReusedReads
  /** Raw ParameterStatus messages, to relay to the client as they are. */
  readonly parameterStatus: ReadonlyArray<Buffer>
  readonly processId: number
  readonly secret: number
  readonly status: Backend.TransactionStatus
  /** Bytes that arrived after the first ReadyForQuery, until the relay consumes the reads (none, normally). */
  readonly rest: ReadonlyArray<Buffer>
}

/** Upstream refused the session; `fields` is its ErrorResponse, keyed by field letter. */
export class UpstreamLoginFailed extends Error {
  constructor(readonly fields: ReadonlyMap<string, string>) {
    super(fields.get("M") ?? "upstream refused the connection")
  }
}

export const errorFields = (body: Buffer): ReadonlyMap<string, string> => {
  const r = new MessageReader(body)
  const out = new Map<string, string>()
  while (r.remaining > 0) {
    const letter = r.int8()
    if (letter === 0) break
    out.set(String.fromCharCode(letter), r.cstring())
  }
  return out
}

const md5 = (s: string | Buffer) => createHash("md5").update(s).digest("hex")

export const login = (
  target: UpstreamTarget,
  parameters: ReadonlyMap<string, string>,
  timeoutMs = 10_000
): Promise<UpstreamSession> =>
  new Promise((resolve, reject) => {
    const reads = new ReusedReads()
    const socket = connect({ host: target.host, port: target.port, noDelay: true, onread: reads.onread })
    const scanner = new FrameScanner(() => true)
    const rest: Array<Buffer> = []
    const parameterStatus: Array<Buffer> = []
    let processId = 0
    let secret = 0
    let scram: ClientExchange | undefined
    let done = false
    const timer = setTimeout(() => fail(new Error(`upstream login timed out after ${timeoutMs} ms`)), timeoutMs)

    const fail = (error: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    }

    const onData = (chunk: Buffer) => {
      if (done) {
        // Logged in, and the relay has not taken over yet.
        rest.push(chunk)
        return
      }
      scanner.push(chunk)
      try {
        for (let piece = scanner.next(); piece !== undefined; piece = scanner.next()) {
          if (piece.kind !== "frame") continue
          const type = String.fromCharCode(piece.type)
          if (type === "E") return fail(new UpstreamLoginFailed(errorFields(piece.body)))
          if (type === "R") authenticate(piece.body)
          else if (type === "S") parameterStatus.push(Buffer.from(piece.raw))
          else if (type === "K") {
            processId = piece.body.readInt32BE(0)
            secret = piece.body.readInt32BE(4)
          } else if (type === "Z") {
            done = true
            clearTimeout(timer)
            socket.off("error", fail)
            for (let more = scanner.next(); more !== undefined; more = scanner.next()) {
              rest.push(more.kind === "frame" ? more.raw : more.bytes)
            }
            return resolve({
              socket,
              reads,
              parameterStatus,
              processId,
              secret,
              status: String.fromCharCode(piece.body[0]!) as Backend.TransactionStatus,
              rest
            })
          }
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)))
      }
    }

    const authenticate = (body: Buffer) => {
      const code = body.readInt32BE(0)
      switch (code) {
        case 0:
          return
        case 3:
          socket.write(Frontend.passwordMessage(target.password))
          return
        case 5: {
          const salt = body.subarray(4, 8)
          const inner = md5(target.password + target.user)
          socket.write(Frontend.passwordMessage(`md5${md5(Buffer.concat([Buffer.from(inner), salt]))}`))
          return
        }
        case 10: {
          const offered = body.subarray(4).toString("utf8").split("\0")
          if (!offered.includes(MECHANISM)) throw new Error(`upstream offers no ${MECHANISM} (${offered.join(", ")})`)
          scram = new ClientExchange(target.password)
          socket.write(Frontend.saslInitialResponse(MECHANISM, scram.first()))
          return
        }
        case 11:
          if (scram === undefined) throw new Error("upstream continued a SCRAM exchange that never began")
          socket.write(Frontend.saslResponse(scram.final(body.subarray(4).toString("utf8"))))
          return
        case 12:
          if (scram === undefined || !scram.verify(body.subarray(4).toString("utf8"))) {
            throw new Error("upstream's SCRAM server signature does not match: not the server we meant to reach")
          }
          return
        default:
          throw new Error(`upstream asks for an authentication method the proxy does not speak (code ${code})`)
      }
    }

    // Login is a few small messages: each chunk is copied, and the read buffer stays free.
    reads.consume({ onChunk: (chunk) => onData(Buffer.from(chunk)), holdsLastChunk: () => false })
    socket.on("error", fail)
    socket.once("close", () => fail(new Error("upstream closed the connection during login")))
    socket.once("connect", () => {
      // Without it, a Flush the proxy sends right after forwarded messages waits for an ACK
      // that Postgres delays (it answers nothing before the Flush): 40 ms per write.
      socket.setNoDelay(true)
      const startup = new Map(parameters)
      startup.set("user", target.user)
      startup.set("database", target.database)
      socket.write(Frontend.encodeStartup(startup))
    })
  })

/**
 * The proxy's TCP listener: each connection goes through the handshake, gets its own
 * upstream session (session pooling: the client's session state lives upstream as it
 * would on a direct connection), and is relayed until either side closes.
 */
import { createServer } from "node:net"
import type { AddressInfo, Server, Socket } from "node:net"
import type { SecureContext } from "node:tls"
import type { Option } from "effect"
import type { ProxyCredentials } from "@tributary/core"
import { CancelKeys } from "./session/CancelKeys.js"
import * as AcceptedReads from "./sockets/AcceptedReads.js"
import { AuthenticationFailed, ClientGone, CredentialsUnavailable, open } from "./session/Handshake.js"
import { Relay } from "./session/Relay.js"
import type { SessionLog } from "./session/Relay.js"
import { ReportedParameters } from "./session/ReportedParameters.js"
import { WriteCancel } from "./session/WriteCancel.js"
import type { Writes } from "./session/Writes.js"
import { login, UpstreamLoginFailed } from "./upstream/UpstreamLogin.js"
import type { UpstreamTarget } from "./upstream/UpstreamTarget.js"
import * as Backend from "./wire/Backend.js"
import { ProtocolViolation } from "./wire/Reader.js"
import { ScramFailure } from "./auth/Scram.js"

export interface ListenerOptions<W> {
  readonly host: string
  readonly port: number
  readonly upstream: UpstreamTarget
  readonly tls: SecureContext | undefined
  /** Rejects with CredentialsUnavailable when the credentials cannot be read now. */
  readonly lookup: (user: string) => Promise<Option.Option<ProxyCredentials.ProxyCredential>>
  /** The write path for one authenticated credential. */
  readonly writesFor: (credential: ProxyCredentials.ProxyCredential) => Writes<W>
  readonly log: SessionLog
  /** A CancelRequest whose key this process did not hand out (another worker may have). */
  readonly onForeignCancel?: (processId: number, secret: number) => void
  readonly onLogin?: (outcome: "ok" | "refused") => void
}

/** Parameters the proxy decides itself rather than taking from the client. */
const OWN_PARAMETERS = new Set(["user", "database", "replication"])

export interface Listening {
  readonly port: number
  readonly sessions: () => number
  /** Cancel a session of this process (its write, or upstream); false when the key is not ours. */
  readonly cancel: (processId: number, secret: number) => Promise<boolean>
  readonly close: () => Promise<void>
}

export const listen = <W>(options: ListenerOptions<W>): Promise<Listening> => {
  const cancels = new CancelKeys()
  const sockets = new Set<Socket>()

  /** A client's socket, counted and closed with the listener until it closes. */
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
    socket.on("error", () => socket.destroy())
  }

  const serve = async (raw: Socket) => {
    raw.setNoDelay(true)
    track(raw)
    let client: Socket = raw
    try {
      const opening = await open(raw, { tls: options.tls, lookup: options.lookup })
      if (opening.kind === "cancel") {
        raw.end()
        if (!(await cancels.cancel(opening.processId, opening.secret))) {
          options.onForeignCancel?.(opening.processId, opening.secret)
        }
        return
      }
      client = opening.socket
      options.onLogin?.("ok")
      const parameters = new Map([...opening.parameters].filter(([name]) => !OWN_PARAMETERS.has(name)))
      const upstream = await login(options.upstream, parameters)
      // From here on the client's socket reads into a reused buffer, where it can (AcceptedReads).
      const adopted = AcceptedReads.adopt(client)
      if (adopted !== undefined) {
        track(adopted.socket)
        client = adopted.socket
      }
      const writeCancel = new WriteCancel()
      const key = cancels.register(options.upstream, upstream.processId, upstream.secret, writeCancel)
      client.write(Buffer.concat([
        ...upstream.parameterStatus,
        Backend.backendKeyData(key.processId, key.secret),
        Backend.readyForQuery(upstream.status)
      ]))
      const relay = new Relay(
        client,
        upstream.socket,
        upstream.reads,
        adopted?.reads,
        options.writesFor(opening.credential),
        upstream.status,
        ReportedParameters.fromLogin(upstream.parameterStatus),
        writeCancel,
        key.release,
        options.log
      )
      relay.start(adopted === undefined ? opening.early : Buffer.concat([opening.early, ...adopted.buffered]), upstream.rest)
    } catch (error) {
      refuse(client, error, options)
    }
  }

  const server: Server = createServer((socket) => void serve(socket))
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port, options.host, () => {
      server.off("error", reject)
      resolve({
        port: (server.address() as AddressInfo).port,
        sessions: () => sockets.size,
        cancel: (processId, secret) => cancels.cancel(processId, secret),
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
}

const refuse = <W>(client: Socket, error: unknown, options: ListenerOptions<W>) => {
  if (error instanceof ClientGone) return client.destroy()
  let report: Backend.Report
  if (error instanceof AuthenticationFailed) {
    options.onLogin?.("refused")
    report = { severity: "FATAL", code: "28P01", message: error.message }
    options.log("warn", "proxy login refused", { user: error.user })
  } else if (error instanceof CredentialsUnavailable) {
    report = {
      severity: "FATAL",
      code: "57P03",
      message: error.message,
      hint: "The proxy reads its credentials from NATS, which it cannot reach or which did not answer. Retry when NATS answers again."
    }
    options.log("warn", "proxy login not checked: credentials unreadable", { user: error.user, reason: error.detail })
  } else if (error instanceof UpstreamLoginFailed) {
    const fields = error.fields
    report = {
      severity: "FATAL",
      code: fields.get("C") ?? "08006",
      message: `upstream Postgres refused the session: ${fields.get("M") ?? "unknown error"}`
    }
    options.log("warn", "upstream login failed", { reason: fields.get("M") })
  } else if (error instanceof ProtocolViolation || error instanceof ScramFailure) {
    report = { severity: "FATAL", code: error instanceof ScramFailure ? "28000" : "08P01", message: error.message }
  } else {
    const message = error instanceof Error ? error.message : String(error)
    report = { severity: "FATAL", code: "08006", message: `cannot reach upstream Postgres: ${message}` }
    options.log("warn", "upstream unreachable", { reason: message })
  }
  if (client.destroyed) return
  client.end(Backend.errorResponse(report))
  // Paused after the handshake (Handshake.handOver): read on, so the client's end is seen and the socket closes.
  client.resume()
}

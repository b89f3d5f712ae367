/**
 * The start of a client connection, before any query: SSLRequest (TLS when a certificate
 * is configured), GSSENCRequest (declined), CancelRequest, the startup packet, and
 * SCRAM-SHA-256 against the proxy credentials.
 */
import type { Socket } from "node:net"
import { TLSSocket } from "node:tls"
import type { SecureContext } from "node:tls"
import { ProxyCredentials } from "@tributary/core"
import { Option } from "effect"
import { MECHANISM, ScramFailure, ServerExchange } from "../auth/Scram.js"
import * as Backend from "../wire/Backend.js"
import * as Frontend from "../wire/Frontend.js"
import { ProtocolViolation } from "../wire/Reader.js"

/** Reads whole packets from a socket during the handshake, untyped or typed. */
class PacketReader {
  private buffered: Buffer = Buffer.alloc(0)
  private waiter: (() => void) | undefined
  private ended = false

  constructor(readonly socket: Socket) {
    socket.on("data", this.onData)
    socket.once("end", this.onEnd)
    socket.once("close", this.onEnd)
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
    this.waiter?.()
  }

  private readonly onEnd = () => {
    this.ended = true
    this.waiter?.()
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered.length < n) {
      if (this.ended) throw new ClientGone()
      await new Promise<void>((resolve) => {
        this.waiter = resolve
      })
      this.waiter = undefined
    }
  }

  async untyped(): Promise<Buffer> {
    await this.fill(4)
    const length = this.buffered.readInt32BE(0)
    if (length < 8 || length > 10_000) throw new ProtocolViolation(`invalid startup packet length ${length}`)
    await this.fill(length)
    const body = this.buffered.subarray(4, length)
    this.buffered = this.buffered.subarray(length)
    return body
  }

  async typed(): Promise<{ readonly type: string; readonly body: Buffer }> {
    await this.fill(5)
    const length = this.buffered.readInt32BE(1)
    if (length < 4 || length > 100_000) throw new ProtocolViolation(`invalid message length ${length}`)
    await this.fill(1 + length)
    const type = String.fromCharCode(this.buffered[0]!)
    const body = this.buffered.subarray(5, 1 + length)
    this.buffered = this.buffered.subarray(1 + length)
    return { type, body }
  }

  /** Stop reading; whatever arrived early goes to the relay. */
  detach(): Buffer {
    this.socket.off("data", this.onData)
    this.socket.off("end", this.onEnd)
    this.socket.off("close", this.onEnd)
    return this.buffered
  }

  /**
   * Stop reading for the relay: the socket is paused too, so what the client sends while
   * the upstream session opens waits in the socket instead of being emitted to nobody.
   */
  handOver(): Buffer {
    this.socket.pause()
    return this.detach()
  }
}

export class ClientGone extends Error {}

/** Authentication failed: the client gets 28P01 and the connection closes. */
export class AuthenticationFailed extends Error {
  constructor(readonly user: string) {
    super(`password authentication failed for user "${user}"`)
  }
}

/**
 * The credential could not be read (the store, NATS, is unreachable): the client gets
 * 57P03, what a server that cannot take connections right now answers, and may retry.
 */
export class CredentialsUnavailable extends Error {
  constructor(readonly user: string, readonly detail: string) {
    super(`cannot check the credentials of user "${user}" now: ${detail}`)
  }
}

export type Opening =
  | { readonly kind: "cancel"; readonly processId: number; readonly secret: number }
  | {
    readonly kind: "session"
    readonly socket: Socket
    readonly parameters: ReadonlyMap<string, string>
    readonly credential: ProxyCredentials.ProxyCredential
    /** Bytes the client sent after authenticating, before the relay took over. */
    readonly early: Buffer
  }

export interface HandshakeOptions {
  readonly tls: SecureContext | undefined
  /** Rejects with CredentialsUnavailable when the credentials cannot be read now. */
  readonly lookup: (user: string) => Promise<Option.Option<ProxyCredentials.ProxyCredential>>
}

/** Same work and same answer for an unknown user as for a wrong password: no user enumeration. */
const decoy = ProxyCredentials.scramSecret("decoy-password-for-unknown-users")

export const open = async (raw: Socket, options: HandshakeOptions): Promise<Opening> => {
  let reader = new PacketReader(raw)
  for (;;) {
    const packet = Frontend.decodeStartup(await reader.untyped())
    switch (packet.kind) {
      case "cancel":
        reader.detach()
        return packet
      case "gssenc":
        reader.socket.write("N")
        continue
      case "ssl": {
        if (options.tls === undefined) {
          reader.socket.write("N")
          continue
        }
        const early = reader.detach()
        if (early.length > 0) throw new ProtocolViolation("data received before the TLS handshake")
        reader.socket.write("S")
        const secure = new TLSSocket(reader.socket, { isServer: true, secureContext: options.tls })
        reader = new PacketReader(secure)
        continue
      }
      case "startup":
        return authenticate(reader, packet, options)
    }
  }
}

const authenticate = async (
  reader: PacketReader,
  packet: Extract<Frontend.StartupPacket, { kind: "startup" }>,
  options: HandshakeOptions
): Promise<Opening> => {
  const socket = reader.socket
  const user = packet.parameters.get("user") ?? ""
  if (packet.minor !== 0) {
    const unsupported = [...packet.parameters.keys()].filter((name) => name.startsWith("_pq_."))
    socket.write(Backend.negotiateProtocolVersion(0, unsupported))
  }
  const credential = await options.lookup(user)
  const secret = Option.flatMap(credential, (c) => ProxyCredentials.decodeVerifier(c.verifier))
  const exchange = new ServerExchange(Option.getOrElse(secret, () => decoy))
  socket.write(Backend.authenticationSasl([MECHANISM]))
  const initial = await reader.typed()
  if (initial.type !== "p") throw new ProtocolViolation("expected a SASLInitialResponse")
  const { mechanism, data } = Frontend.decodeSaslInitial(initial.body)
  if (mechanism !== MECHANISM) throw new ScramFailure(`unsupported SASL mechanism ${mechanism}`)
  socket.write(Backend.authenticationSaslContinue(exchange.first(data)))
  const response = await reader.typed()
  if (response.type !== "p") throw new ProtocolViolation("expected a SASLResponse")
  const final = exchange.final(response.body.toString("utf8"))
  if (final === undefined || Option.isNone(credential) || Option.isNone(secret)) throw new AuthenticationFailed(user)
  socket.write(Buffer.concat([Backend.authenticationSaslFinal(final), Backend.authenticationOk]))
  const parameters = new Map(packet.parameters)
  return { kind: "session", socket, parameters, credential: credential.value, early: reader.handOver() }
}

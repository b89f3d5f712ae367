/**
 * SCRAM-SHA-256 (RFC 5802/7677) as Postgres speaks it: the server side, checking a
 * client against a stored verifier, and the client side, for logging in upstream.
 * Channel binding is not offered (no `-PLUS` mechanism), so the GS2 header is `n,,` or
 * `y,,` ("client could bind, server did not offer").
 */
import { randomBytes, timingSafeEqual } from "node:crypto"
import { ProxyCredentials } from "@tributary/core"

export const MECHANISM = "SCRAM-SHA-256"

const { hmac, sha256, saltedPassword } = ProxyCredentials

const attributes = (message: string): ReadonlyMap<string, string> => {
  const out = new Map<string, string>()
  for (const part of message.split(",")) {
    const eq = part.indexOf("=")
    if (eq === 1) out.set(part[0]!, part.slice(2))
  }
  return out
}

const xor = (a: Buffer, b: Buffer): Buffer => {
  const out = Buffer.allocUnsafe(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (b[i] ?? 0)
  return out
}

export class ScramFailure extends Error {}

/** One server-side exchange. `first` answers the client-first message, `final` the client-final. */
export class ServerExchange {
  private readonly nonce: string
  private clientFirstBare = ""
  private serverFirst = ""
  private gs2 = ""

  constructor(private readonly secret: ProxyCredentials.ScramSecret) {
    this.nonce = randomBytes(18).toString("base64")
  }

  first(clientFirst: string): string {
    const gs2End = clientFirst.indexOf(",", clientFirst.indexOf(",") + 1)
    if (gs2End < 0) throw new ScramFailure("malformed SCRAM client-first message")
    this.gs2 = clientFirst.slice(0, gs2End + 1)
    if (!this.gs2.startsWith("n,") && !this.gs2.startsWith("y,")) {
      throw new ScramFailure("channel binding was not offered by this server")
    }
    this.clientFirstBare = clientFirst.slice(gs2End + 1)
    const clientNonce = attributes(this.clientFirstBare).get("r")
    if (clientNonce === undefined || clientNonce === "") throw new ScramFailure("SCRAM client nonce missing")
    this.serverFirst = `r=${clientNonce}${this.nonce},s=${this.secret.salt.toString("base64")},i=${this.secret.iterations}`
    return this.serverFirst
  }

  /** The server-final message, or `undefined` when the proof is wrong. */
  final(clientFinal: string): string | undefined {
    const attrs = attributes(clientFinal)
    const proof = attrs.get("p")
    const binding = attrs.get("c")
    const nonce = attrs.get("r")
    if (proof === undefined || binding === undefined || nonce === undefined) {
      throw new ScramFailure("malformed SCRAM client-final message")
    }
    if (Buffer.from(binding, "base64").toString("utf8") !== this.gs2 || !nonce.endsWith(this.nonce)) return undefined
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(",p="))
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`
    const signature = hmac(this.secret.storedKey, authMessage)
    const clientKey = xor(Buffer.from(proof, "base64"), signature)
    const computed = sha256(clientKey)
    if (computed.length !== this.secret.storedKey.length || !timingSafeEqual(computed, this.secret.storedKey)) return undefined
    return `v=${hmac(this.secret.serverKey, authMessage).toString("base64")}`
  }
}

/**
 * The client side, for the proxy's own logins upstream. Salted passwords are cached by
 * salt and iteration count: PBKDF2 costs milliseconds, and every upstream connection of
 * one role uses the same salt.
 */
const saltedCache = new Map<string, Buffer>()

export class ClientExchange {
  private readonly nonce = randomBytes(18).toString("base64")
  private readonly clientFirstBare: string
  private serverSignature: Buffer | undefined

  constructor(private readonly password: string) {
    this.clientFirstBare = `n=*,r=${this.nonce}`
  }

  first(): string {
    return `n,,${this.clientFirstBare}`
  }

  final(serverFirst: string): string {
    const attrs = attributes(serverFirst)
    const nonce = attrs.get("r")
    const salt = attrs.get("s")
    const iterations = Number(attrs.get("i"))
    if (nonce === undefined || salt === undefined || !nonce.startsWith(this.nonce) || !Number.isInteger(iterations)) {
      throw new ScramFailure("upstream sent a malformed SCRAM server-first message")
    }
    const cacheKey = `${salt}:${iterations}:${this.password}`
    let salted = saltedCache.get(cacheKey)
    if (salted === undefined) {
      salted = saltedPassword(this.password, Buffer.from(salt, "base64"), iterations)
      saltedCache.set(cacheKey, salted)
    }
    const clientKey = hmac(salted, "Client Key")
    const withoutProof = `c=biws,r=${nonce}`
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`
    const proof = xor(clientKey, hmac(sha256(clientKey), authMessage))
    this.serverSignature = hmac(hmac(salted, "Server Key"), authMessage)
    return `${withoutProof},p=${proof.toString("base64")}`
  }

  verify(serverFinal: string): boolean {
    const v = attributes(serverFinal).get("v")
    return v !== undefined && this.serverSignature !== undefined &&
      Buffer.from(v, "base64").equals(this.serverSignature)
  }
}

/**
 * Ack tokens: what a worker hands back to ack, nack or extend a message, through any replica.
 *
 *   v1.<payload>.<signature>
 *   payload   = base64url(JSON [consumer, reply, lease key, batch, index])
 *   signature = base64url(HMAC-SHA256(sign-tokens key, "v1." + payload))
 *
 * `reply` is the JetStream ack subject of this delivery (opaque: its layout differs between
 * server versions); `lease key` names the record's lease; `batch`/`index` name the delivery's
 * slot in its batch's settlement record. Nothing in the token is secret, but every part is
 * signed, so a forged, altered or other consumer's token is refused before anything is acked.
 */
import { Secrets } from "@tributary/core"

export interface AckToken {
  readonly consumer: string
  readonly reply: string
  readonly leaseKey: string
  readonly batch: string
  readonly index: number
}

export type Rejection = "malformed" | "bad_signature" | "other_consumer"

const VERSION = "v1"

export const issue = (keys: Secrets.Keys, token: AckToken): string => {
  const payload = Buffer.from(JSON.stringify([token.consumer, token.reply, token.leaseKey, token.batch, token.index]))
    .toString("base64url")
  const signed = `${VERSION}.${payload}`
  return `${signed}.${Secrets.sign(keys, signed)}`
}

export const read = (keys: Secrets.Keys, consumer: string, text: string): AckToken | Rejection => {
  const cut = text.lastIndexOf(".")
  if (cut <= 0 || !text.startsWith(`${VERSION}.`)) return "malformed"
  const signed = text.slice(0, cut)
  if (!Secrets.verify(keys, signed, text.slice(cut + 1))) return "bad_signature"
  let parts: unknown
  try {
    parts = JSON.parse(Buffer.from(signed.slice(VERSION.length + 1), "base64url").toString("utf8"))
  } catch {
    return "malformed"
  }
  if (!Array.isArray(parts) || parts.length !== 5) return "malformed"
  const [owner, reply, leaseKey, batch, index] = parts as Array<unknown>
  if (
    typeof owner !== "string" || typeof reply !== "string" || typeof leaseKey !== "string" ||
    typeof batch !== "string" || typeof index !== "number"
  ) return "malformed"
  if (owner !== consumer) return "other_consumer"
  return { consumer: owner, reply, leaseKey, batch, index }
}

/**
 * Ack tokens: what a worker hands back to ack, nack or extend a message, through any replica.
 *
 *   v1.<payload>.<signature>
 *   payload   = base64url(JSON [consumer, reply, lease key, batch, index, created at?])
 *   signature = base64url(HMAC-SHA256(sign-tokens key, "v1." + payload))
 *
 * `reply` is the JetStream ack subject of this delivery (opaque: its layout differs between
 * server versions); `lease key` names the record's lease; `batch`/`index` name the delivery's
 * slot in its batch's settlement record; `created at` is its consumer's `created_at_ms` (absent for
 * a consumer created before there was one), which tells it from an earlier consumer of the same
 * name, deleted since: that one's ack subjects are the same. Nothing in the token is secret, but every part is
 * signed, so a forged, altered or other consumer's token is refused before anything is acked.
 */
import { Secrets } from "@tributary/core"

export interface AckToken {
  readonly consumer: string
  readonly reply: string
  readonly leaseKey: string
  readonly batch: string
  readonly index: number
  readonly createdAtMs?: number | undefined
}

export type Rejection = "malformed" | "bad_signature" | "other_consumer" | "earlier_consumer"

const VERSION = "v1"

export const issue = (keys: Secrets.Keys, token: AckToken): string => {
  const parts = [token.consumer, token.reply, token.leaseKey, token.batch, token.index]
  const payload = Buffer.from(JSON.stringify(token.createdAtMs === undefined ? parts : [...parts, token.createdAtMs]))
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
  if (!Array.isArray(parts) || (parts.length !== 5 && parts.length !== 6)) return "malformed"
  const [owner, reply, leaseKey, batch, index, createdAtMs] = parts as Array<unknown>
  if (
    typeof owner !== "string" || typeof reply !== "string" || typeof leaseKey !== "string" ||
    typeof batch !== "string" || typeof index !== "number" || (createdAtMs !== undefined && typeof createdAtMs !== "number")
  ) return "malformed"
  if (owner !== consumer) return "other_consumer"
  return { consumer: owner, reply, leaseKey, batch, index, createdAtMs }
}

/**
 * Whether `token` was issued by an earlier consumer of its name than the one created at
 * `createdAtMs` (the replica's copy of the config). A token of a later one than the copy knows
 * comes from a replica that saw a newer config first: the copy is behind, not the token.
 */
export const isOfEarlierConsumer = (token: AckToken, createdAtMs: number | undefined): boolean =>
  createdAtMs !== undefined && (token.createdAtMs === undefined || token.createdAtMs < createdAtMs)

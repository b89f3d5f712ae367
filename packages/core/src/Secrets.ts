/**
 * Secrets at rest and signed tokens, from one operator key (`TRIBUTARY_SECRET_KEY`).
 * Separate sub-keys are derived for encryption and for signing, so a signature can never
 * be replayed as a ciphertext or the other way round.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto"
import type { KeyObject } from "node:crypto"
import { Context, Either, Layer, Redacted } from "effect"
import { SecretUnreadable } from "./Errors.js"
import { EncryptedSecret } from "./SyncConfig.js"

export interface Keys {
  readonly encryption: Buffer
  readonly signing: Buffer
}

export class SecretKeys extends Context.Tag("@tributary/core/SecretKeys")<SecretKeys, Keys>() {}

const derive = (key: string, purpose: string): Buffer =>
  Buffer.from(hkdfSync("sha256", key, "tributary", purpose, 32))

export const fromKey = (key: Redacted.Redacted<string>): Keys => ({
  encryption: derive(Redacted.value(key), "encrypt-at-rest"),
  signing: derive(Redacted.value(key), "sign-tokens")
})

export const layer = (key: Redacted.Redacted<string>) => Layer.succeed(SecretKeys, fromKey(key))

/** AES-256-GCM; the result is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export const encrypt = (keys: Keys, plaintext: string): EncryptedSecret => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", keys.encryption, iv)
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
  return EncryptedSecret.make(
    ["v1", iv, cipher.getAuthTag(), body].map((part) => typeof part === "string" ? part : part.toString("base64url")).join(".")
  )
}

export const decrypt = (keys: Keys, sealed: EncryptedSecret): Either.Either<Redacted.Redacted<string>, SecretUnreadable> => {
  const [version, iv, tag, body] = sealed.split(".")
  if (version !== "v1" || iv === undefined || tag === undefined || body === undefined) {
    return Either.left(new SecretUnreadable({ detail: "unknown format" }))
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", keys.encryption, Buffer.from(iv, "base64url"))
    decipher.setAuthTag(Buffer.from(tag, "base64url"))
    const plain = Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()])
    return Either.right(Redacted.make(plain.toString("utf8")))
  } catch {
    return Either.left(new SecretUnreadable({ detail: "authentication tag mismatch" }))
  }
}

// Node re-imports a raw Buffer key on every createHmac (~15 µs); a KeyObject is imported once
// (~4 µs per HMAC). The gateway signs and verifies an ack token per delivered message.
const signingKeys = new WeakMap<Buffer, KeyObject>()
const signingKey = (keys: Keys): KeyObject => {
  let key = signingKeys.get(keys.signing)
  if (key === undefined) {
    key = createSecretKey(keys.signing)
    signingKeys.set(keys.signing, key)
  }
  return key
}

/** HMAC-SHA256 of `payload`, base64url. */
export const sign = (keys: Keys, payload: string): string =>
  createHmac("sha256", signingKey(keys)).update(payload).digest("base64url")

export const verify = (keys: Keys, payload: string, signature: string): boolean => {
  const expected = Buffer.from(sign(keys, payload))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** A new random bearer token, with a readable prefix that says what it is for. */
export const newToken = (prefix: string): string => `${prefix}_${randomBytes(24).toString("base64url")}`

/** Tokens are high-entropy, so a plain SHA-256 is enough to store them safely. */
export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex")

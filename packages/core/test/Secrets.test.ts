import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { Secrets } from "../src/index.js"

const keys = Secrets.fromKey(Redacted.make("k".repeat(32)))
const otherKeys = Secrets.fromKey(Redacted.make("o".repeat(32)))

describe("Secrets", () => {
  it("encrypts API keys so that only the same key decrypts them", () => {
    const sealed = Secrets.encrypt(keys, "sk_test_123")
    expect(sealed).not.toContain("sk_test_123")
    const opened = Secrets.decrypt(keys, sealed)
    expect(Either.map(opened, Redacted.value)).toStrictEqual(Either.right("sk_test_123"))
    expect(Either.isLeft(Secrets.decrypt(otherKeys, sealed))).toBe(true)
  })

  it("never encrypts the same key to the same ciphertext", () => {
    expect(Secrets.encrypt(keys, "sk_test_123")).not.toBe(Secrets.encrypt(keys, "sk_test_123"))
  })

  it("signs and verifies, and rejects a tampered payload", () => {
    const signature = Secrets.sign(keys, "payload")
    expect(Secrets.verify(keys, "payload", signature)).toBe(true)
    expect(Secrets.verify(keys, "payload2", signature)).toBe(false)
    expect(Secrets.verify(otherKeys, "payload", signature)).toBe(false)
  })
})

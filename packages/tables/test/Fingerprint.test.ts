import { describe, expect, it } from "vitest"
import { Verification } from "../src/index.js"

const { Fingerprint } = Verification

describe("Fingerprint", () => {
  it("does not depend on key order at any level", () => {
    expect(Fingerprint.of({ a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(Fingerprint.of({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }))
  })

  it("hashes a value as its JSON, so a Decimal from the SDK equals the string Postgres holds", () => {
    const decimal = { coefficient: 15n, exponent: 2n, toJSON: () => "1500" }
    expect(Fingerprint.of({ unit_amount_decimal: decimal })).toBe(Fingerprint.of({ unit_amount_decimal: "1500" }))
  })

  it("tells different data apart", () => {
    expect(Fingerprint.of({ a: 1 })).not.toBe(Fingerprint.of({ a: 2 }))
    expect(Fingerprint.of({ a: "1" })).not.toBe(Fingerprint.of({ a: 1 }))
  })
})

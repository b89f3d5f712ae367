/**
 * A dead letter always fits `max_payload` once the limit leaves room for the sink's own
 * headers, and loses only what it must: the reason first, then the end of the body, then
 * the original headers. (Against a real nats-server: `test/sink/DeadLetterSize.test.ts`.)
 */
import { DeadLetters } from "@tributary/core"
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import * as DeadLetterFit from "../src/DeadLetterFit.js"

const ours: ReadonlyArray<DeadLetterFit.Header> = [
  [DeadLetters.CODE, "23514"],
  [DeadLetters.CONSUMER, "sink"],
  [DeadLetters.ORIGINAL_SUBJECT, "tributary.records.sync_1.stripe_customer.cus_1"],
  [DeadLetters.ORIGINAL_STREAM, "RECORDS"],
  [DeadLetters.ORIGINAL_SEQUENCE, "42"],
  [DeadLetters.DELIVERIES, "5"]
]
const added: ReadonlyArray<DeadLetterFit.Header> = [["Nats-Msg-Id", "sink:RECORDS:42"]]

const parts = (original: ReadonlyArray<DeadLetterFit.Header>, reason: string, body: number): DeadLetterFit.Parts => ({
  original, reason, ours, added, body: Buffer.alloc(body, "b"), whereWhole: "message 42 of RECORDS"
})

const sizeOf = (letter: DeadLetterFit.Letter) => DeadLetterFit.headerBytes([...letter.headers, ...added]) + letter.body.length
const header = (letter: DeadLetterFit.Letter, name: string) => letter.headers.find(([n]) => n === name)?.[1]

describe("DeadLetterFit", () => {
  it("leaves a letter that fits as it is", () => {
    const given = parts([["Tributary-Record-Id", "r1"]], "Postgres refused it", 1_000)
    expect(DeadLetterFit.fit(given, 1024 ** 2)).toEqual({
      headers: [["Tributary-Record-Id", "r1"], [DeadLetters.REASON, "Postgres refused it"], ...ours],
      body: given.body
    })
  })

  it("trims the reason before it cuts the body", () => {
    const letter = DeadLetterFit.fit(parts([], `Postgres refused it: ${"x".repeat(3_000)}`, 10_000), 12_000)
    expect(letter.body.length).toBe(10_000)
    expect(header(letter, DeadLetters.BODY_TRUNCATED)).toBeUndefined()
    expect(header(letter, DeadLetters.REASON)).toMatch(/^Postgres refused it: x+ … \(trimmed to fit the server's max_payload\)$/)
    expect(sizeOf(letter)).toBeLessThanOrEqual(12_000)
  })

  it("cuts the body, saying how much it kept of how much, and where the whole is", () => {
    const letter = DeadLetterFit.fit(parts([["Tributary-Record-Id", "r1"]], "Postgres refused it", 12_000), 12_000)
    expect(sizeOf(letter)).toBe(12_000)
    expect(header(letter, DeadLetters.ORIGINAL_SIZE)).toBe("12000")
    expect(header(letter, DeadLetters.BODY_TRUNCATED))
      .toBe(`kept the first ${letter.body.length} of 12000 bytes; the whole body is in message 42 of RECORDS`)
    expect(header(letter, "Tributary-Record-Id")).toBe("r1")
    expect(header(letter, DeadLetters.REASON)).toBe("Postgres refused it")
  })

  it("leaves out original headers that leave no room even for an empty body", () => {
    const original: ReadonlyArray<DeadLetterFit.Header> = [["Big", "h".repeat(3_000)]]
    const letter = DeadLetterFit.fit(parts(original, "Postgres refused it", 100), 3_000)
    expect(header(letter, "Big")).toBeUndefined()
    expect(header(letter, DeadLetters.ORIGINAL_HEADERS_DROPPED)).toMatch(/^\d+ bytes did not fit; they are in message 42 of RECORDS$/)
    expect(letter.body.length).toBe(100)
    expect(header(letter, DeadLetters.BODY_TRUNCATED)).toBeUndefined()
    expect(sizeOf(letter)).toBeLessThanOrEqual(3_000)
  })

  it("never cuts a character of the reason in half", () => {
    expect(DeadLetterFit.utf8Prefix("aé", 2)).toBe("a")
    expect(DeadLetterFit.utf8Prefix("a✓b", 3)).toBe("a")
    expect(DeadLetterFit.utf8Prefix("a✓b", 4)).toBe("a✓")
    expect(DeadLetterFit.utf8Prefix("abc", 10)).toBe("abc")
  })

  it("always fits, keeps the reason's start and the body's start, and cuts only when it must", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ unit: "grapheme", maxLength: 300 })), { maxLength: 5 }),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 4_000 }),
      fc.nat(20_000),
      fc.integer({ min: 2_000, max: 30_000 }),
      (original, rawReason, body, maxPayload) => {
        const reason = rawReason.replaceAll(/[\r\n]/g, " ")
        const given = parts(original, reason, body)
        const letter = DeadLetterFit.fit(given, maxPayload)
        expect(sizeOf(letter)).toBeLessThanOrEqual(maxPayload)
        const kept = header(letter, DeadLetters.REASON)!
        expect(kept === reason || kept.endsWith("(trimmed to fit the server's max_payload)")).toBe(true)
        expect(reason.startsWith(kept.replace(/ … \(trimmed to fit the server's max_payload\)$/, ""))).toBe(true)
        expect(Buffer.from(given.body.subarray(0, letter.body.length)).equals(Buffer.from(letter.body))).toBe(true)
        const whole = DeadLetterFit.headerBytes([...original, [DeadLetters.REASON, reason], ...ours, ...added]) + body
        if (whole <= maxPayload) expect(letter).toEqual({ headers: [...original, [DeadLetters.REASON, reason], ...ours], body: given.body })
        expect(header(letter, DeadLetters.BODY_TRUNCATED) !== undefined).toBe(letter.body.length < body)
      }
    ))
  })
})

import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { SubjectToken } from "../src/index.js"

const SUBJECT_SAFE = /^[^\s.*>]+$/

describe("SubjectToken", () => {
  it("round-trips any string, including lone surrogates", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (value) => {
        const token = SubjectToken.encode(value)
        expect(token).toMatch(SUBJECT_SAFE)
        expect(SubjectToken.decode(token)).toStrictEqual(Either.right(value))
      }),
      { numRuns: 2_000 }
    )
  })

  it("is injective: different ids never share a token", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        fc.pre(a !== b)
        expect(SubjectToken.encode(a)).not.toBe(SubjectToken.encode(b))
      })
    )
  })

  it("leaves ordinary upstream ids readable", () => {
    expect(SubjectToken.encode("cus_9s6XKzkNRiz8i3")).toBe("cus_9s6XKzkNRiz8i3")
    expect(SubjectToken.encode("a.b c*>")).toBe("a~002Eb~0020c~002A~003E")
    expect(SubjectToken.encode("")).toBe("~")
  })

  it("says a token is valid exactly when it decodes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 50 }), fc.string({ maxLength: 50 }).map(SubjectToken.encode),
        fc.stringMatching(/^[~0-9A-Fa-z_.-]{0,12}$/)), (token) => {
        expect(SubjectToken.isValid(token)).toBe(Either.isRight(SubjectToken.decode(token)))
      }),
      { numRuns: 5_000 }
    )
  })

  it("refuses tokens it did not make", () => {
    expect(Either.isLeft(SubjectToken.decode("a.b"))).toBe(true)
    expect(Either.isLeft(SubjectToken.decode("~12"))).toBe(true)
    expect(Either.isLeft(SubjectToken.decode("~00zz"))).toBe(true)
  })
})

import { describe, expect, it } from "vitest"
import { asText, MalformedParameter, UnsupportedParameter } from "../src/writes/Parameters.js"

const int4 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

describe("Bind parameters as text", () => {
  it("decodes binary parameters by their declared type, and passes text through", () => {
    expect(asText([int4(42), Buffer.from("x@y.co"), null], [1, 0, 0], [23, 25, 25])).toEqual(["42", "x@y.co", null])
    expect(asText([Buffer.from([1])], [1], [16])).toEqual(["true"])
  })

  it("refuses bytes that are not a value of the declared type, instead of reading past them", () => {
    expect(() => asText([Buffer.from([0, 1])], [1], [23])).toThrow(MalformedParameter)
    expect(() => asText([Buffer.alloc(3)], [1], [20])).toThrow(/\$1 of type 20 has 3 bytes/)
  })

  it("refuses binary types it cannot decode", () => {
    expect(() => asText([Buffer.alloc(8)], [1], [1184])).toThrow(UnsupportedParameter)
  })
})

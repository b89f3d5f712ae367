import { describe, expect, it } from "vitest"
import { acceptWhole } from "../src/wire/WholeMessages.js"
import { message } from "../src/wire/Writer.js"

const frame = (type: string, body: string) => message().bytes(Buffer.from(body)).typed(type)
const chunk = Buffer.concat([frame("T", "fields"), frame("D", "row"), frame("C", "SELECT 1\0"), frame("Z", "I")])

const walk = (bytes: Buffer, declines = "") => {
  const seen: Array<string> = []
  const end = acceptWhole(bytes, (c, type, bodyStart, messageEnd) => {
    const letter = String.fromCharCode(type)
    if (declines.includes(letter)) return false
    seen.push(`${letter}:${c.toString("latin1", bodyStart, messageEnd)}`)
    return true
  })
  return { end, seen }
}

describe("acceptWhole", () => {
  it("takes a chunk of whole messages in place, in order", () => {
    expect(walk(chunk)).toEqual({ end: chunk.length, seen: ["T:fields", "D:row", "C:SELECT 1\0", "Z:I"] })
  })

  it("stops before a message the chunk does not hold whole", () => {
    for (let cut = 0; cut < chunk.length; cut++) {
      const { end, seen } = walk(chunk.subarray(0, cut))
      expect(end).toBeLessThanOrEqual(cut)
      expect(chunk.subarray(0, end).equals(Buffer.concat(seen.map((_, i) => [frame("T", "fields"), frame("D", "row"), frame("C", "SELECT 1\0")][i]!)))).toBe(true)
    }
  })

  it("stops at a message the caller declines, having taken none of it", () => {
    const { end, seen } = walk(chunk, "C")
    expect(seen).toEqual(["T:fields", "D:row"])
    expect(end).toBe(frame("T", "fields").length + frame("D", "row").length)
  })

  it("stops at a length below four bytes, for the general path to refuse", () => {
    const bad = Buffer.concat([frame("Q", "select 1\0"), Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff])])
    expect(walk(bad).end).toBe(frame("Q", "select 1\0").length)
  })
})

import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { FrameScanner } from "../src/wire/FrameScanner.js"
import { message } from "../src/wire/Writer.js"

const frame = (type: string, body: string) => message().bytes(Buffer.from(body)).typed(type)

/** Everything the scanner returns, put back together, with the whole frames it reported. */
const drain = (scanner: FrameScanner, out: { bytes: Array<Buffer>; frames: Array<string> }) => {
  for (let piece = scanner.next(); piece !== undefined; piece = scanner.next()) {
    if (piece.kind === "bytes") out.bytes.push(piece.bytes)
    else {
      out.bytes.push(piece.raw)
      out.frames.push(`${String.fromCharCode(piece.type)}:${piece.body.toString()}`)
    }
  }
}

describe("FrameScanner", () => {
  const stream = Buffer.concat([
    frame("T", "row description"),
    frame("D", "x".repeat(3000)),
    frame("D", "row 2"),
    frame("C", "SELECT 2\0"),
    frame("Z", "I")
  ])
  const wanted = (type: number) => type === 0x43 || type === 0x5a

  it("returns every byte once, in order, and wanted messages whole, however the stream is cut", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b)
      const scanner = new FrameScanner(wanted)
      const out = { bytes: [] as Array<Buffer>, frames: [] as Array<string> }
      let at = 0
      for (const point of [...points, stream.length]) {
        scanner.push(stream.subarray(at, point))
        at = point
        drain(scanner, out)
      }
      expect(Buffer.concat(out.bytes).equals(stream)).toBe(true)
      expect(out.frames).toEqual(["C:SELECT 2\0", "Z:I"])
    }))
  })

  it("passes a run of unwanted messages as one slice of the chunk, without copying", () => {
    const scanner = new FrameScanner(wanted)
    scanner.push(stream)
    const first = scanner.next()
    expect(first?.kind).toBe("bytes")
    if (first?.kind !== "bytes") return
    expect(first.bytes.buffer).toBe(stream.buffer)
    expect(first.bytes.length).toBe(frame("T", "row description").length + frame("D", "x".repeat(3000)).length + frame("D", "row 2").length)
  })

  it("keeps the order and goes on through queued chunks when its reader stops anywhere (a write being answered)", () => {
    const cutsAndPauses = fc.array(
      fc.record({ cut: fc.integer({ min: 1, max: stream.length - 1 }), take: fc.integer({ min: 0, max: 3 }) }),
      { maxLength: 16 }
    )
    fc.assert(fc.property(cutsAndPauses, (steps) => {
      const points = [...new Set(steps.map((s) => s.cut))].sort((a, b) => a - b)
      const scanner = new FrameScanner(wanted)
      const out = { bytes: [] as Array<Buffer>, frames: [] as Array<string> }
      let at = 0
      points.forEach((point, i) => {
        scanner.push(stream.subarray(at, point))
        at = point
        // The reader takes only a few pieces, then waits (as the relay does while the API answers).
        for (let n = 0; n < steps[i]!.take; n++) {
          const piece = scanner.next()
          if (piece === undefined) break
          out.bytes.push(piece.kind === "bytes" ? piece.bytes : piece.raw)
          if (piece.kind === "frame") out.frames.push(`${String.fromCharCode(piece.type)}:${piece.body.toString()}`)
        }
      })
      scanner.push(stream.subarray(at))
      drain(scanner, out)
      expect(Buffer.concat(out.bytes).equals(stream)).toBe(true)
      expect(out.frames).toEqual(["C:SELECT 2\0", "Z:I"])
      expect(scanner.idle).toBe(true)
    }), { numRuns: 500 })
  })

  it("refuses a length below four bytes instead of walking backwards", () => {
    const scanner = new FrameScanner(() => false)
    const bad = Buffer.from([0x44, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0])
    scanner.push(bad)
    expect(() => scanner.next()).toThrow(/invalid message length/)
  })

  it("can stop in the middle of a chunk and resume there", () => {
    const scanner = new FrameScanner(() => true)
    scanner.push(Buffer.concat([frame("Q", "select 1\0"), frame("Q", "select 2\0")]))
    const first = scanner.next()
    scanner.push(frame("S", ""))
    const rest = [scanner.next(), scanner.next()]
    expect([first, ...rest].map((p) => p?.kind === "frame" ? String.fromCharCode(p.type) : p?.kind)).toEqual(["Q", "Q", "S"])
    expect(scanner.next()).toBeUndefined()
  })

  it("looks ahead past the messages it is told to, without taking anything, however the stream is cut", () => {
    const batch = Buffer.concat([frame("P", "parse"), frame("B", "y".repeat(3000)), frame("E", "execute"), frame("S", "")])
    const parseOrBind = (type: number) => type === 0x50 || type === 0x42
    fc.assert(fc.property(fc.integer({ min: 1, max: batch.length - 1 }), (cut) => {
      const scanner = new FrameScanner((type) => type !== 0x42)
      scanner.push(batch.subarray(0, cut))
      // The Execute's header has arrived, or not.
      const executeAt = batch.indexOf(frame("E", "execute"))
      expect(scanner.upcoming(parseOrBind)).toBe(cut >= executeAt + 5 ? 0x45 : undefined)
      scanner.push(batch.subarray(cut))
      expect(scanner.upcoming(parseOrBind)).toBe(0x45)
      const out = { bytes: [] as Array<Buffer>, frames: [] as Array<string> }
      drain(scanner, out)
      expect(Buffer.concat(out.bytes).equals(batch)).toBe(true)
    }))
  })
})

import { headers, Match, MsgHdrsImpl } from "@nats-io/transport-node"
import { describe, expect, it } from "vitest"
import { WireHeaders } from "../src/publish/WireHeaders.js"

const pairs = [
  ["Tributary-Record-Id", "0b6f1c2e-0d7e-5a4b-9c3d-2e1f0a9b8c7d"],
  ["Tributary-Upstream-Id", " cus_123 "],
  ["Tributary-Deleted", "false"],
  ["Nats-Expected-Last-Subject-Sequence", "0"]
] as const

describe("WireHeaders", () => {
  it("encodes the block nats.js encodes for the same headers", () => {
    const theirs = headers()
    for (const [name, value] of pairs) theirs.append(name, value)
    const ours = WireHeaders.of(pairs)
    expect(ours.toString()).toBe(theirs.toString())
    // nats.js publishes headers through `encode()`, which MsgHdrs does not declare.
    expect(Buffer.from(ours.encode()).toString()).toBe(Buffer.from((theirs as MsgHdrsImpl).encode()).toString())
  })

  it("reads back what nats.js decodes from its block", () => {
    const decoded = MsgHdrsImpl.decode(WireHeaders.of(pairs).encode())
    for (const [name, value] of pairs) expect(decoded.get(name)).toBe(value.trim())
  })

  it("sets, appends and deletes like MsgHdrs", () => {
    const h = WireHeaders.of(pairs)
    h.set("Tributary-Deleted", "true")
    h.append("Tributary-Deleted", "again")
    h.delete("Nats-Expected-Last-Subject-Sequence")
    expect(h.values("Tributary-Deleted")).toEqual(["true", "again"])
    expect(h.get("tributary-deleted", Match.IgnoreCase)).toBe("true")
    expect(h.last("Tributary-Deleted")).toBe("again")
    expect(h.has("Nats-Expected-Last-Subject-Sequence")).toBe(false)
    expect(h.keys()).toEqual(["Tributary-Record-Id", "Tributary-Upstream-Id", "Tributary-Deleted"])
    expect(MsgHdrsImpl.decode(h.encode()).values("Tributary-Deleted")).toEqual(["true", "again"])
  })

  it("refuses a value that would add headers of its own, and a bad name", () => {
    expect(() => WireHeaders.of([["Tributary-Upstream-Id", "cus_1\r\nTributary-Deleted: true"]])).toThrow()
    expect(() => WireHeaders.of([["Bad Name", "x"]])).toThrow()
    expect(() => WireHeaders.of([["Bad:Name", "x"]])).toThrow()
  })
})

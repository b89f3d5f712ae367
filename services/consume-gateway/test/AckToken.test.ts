import { Secrets } from "@tributary/core"
import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import * as AckToken from "../src/delivery/AckToken.js"
import * as AckSubject from "../src/delivery/AckSubject.js"

const keys = Secrets.fromKey(Redacted.make("unit-test-secret-key-0123456789abcdef"))
const token = { consumer: "orders", reply: "$JS.ACK.RECORDS.consume-orders.2.41.57.1795460732992131069.9", leaseKey: "orders.l.abc", batch: "b1", index: 3 }

describe("AckToken", () => {
  it("round-trips a token it issued", () => {
    expect(AckToken.read(keys, "orders", AckToken.issue(keys, token))).toEqual(token)
  })

  it("refuses forged, altered, foreign and malformed tokens", () => {
    const issued = AckToken.issue(keys, token)
    const [v, payload, signature] = issued.split(".")
    const other = Secrets.fromKey(Redacted.make("another-secret-key-0123456789abcdef!!"))
    expect(AckToken.read(other, "orders", issued)).toBe("bad_signature")
    const altered = Buffer.from(Buffer.from(payload!, "base64url").toString().replace("\"b1\"", "\"b2\"")).toString("base64url")
    expect(AckToken.read(keys, "orders", `${v}.${altered}.${signature}`)).toBe("bad_signature")
    expect(AckToken.read(keys, "billing", issued)).toBe("other_consumer")
    expect(AckToken.read(keys, "orders", "nonsense")).toBe("malformed")
  })
})

describe("AckSubject", () => {
  it("reads the stream sequence, delivery count and pending of 2.9 and 2.10+ ack subjects", () => {
    expect(AckSubject.parse(token.reply)).toEqual({ stream: "RECORDS", deliveries: 2, streamSeq: 41, pending: 9 })
    expect(AckSubject.parse("$JS.ACK.hub.ACCHASH.RECORDS.c.3.41.57.1795460732992131069.9.tok"))
      .toEqual({ stream: "RECORDS", deliveries: 3, streamSeq: 41, pending: 9 })
    expect(AckSubject.parse("_INBOX.x")).toBeUndefined()
  })
})

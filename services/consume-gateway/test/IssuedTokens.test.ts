import { describe, expect, it } from "vitest"
import { IssuedTokens, MAX_REMEMBERED } from "../src/delivery/IssuedTokens.js"

const token = (index: number) => ({ consumer: "orders", reply: `$JS.ACK.R.c.1.${index}.${index}.1.0`, leaseKey: "orders.l.x", batch: "b", index })

describe("IssuedTokens", () => {
  it("finds a token by its exact text, once", () => {
    const issued = new IssuedTokens()
    issued.remember("v1.a.sig", token(1))
    expect(issued.take("v1.a.sig2")).toBeUndefined()
    expect(issued.take("v1.a.sig")).toEqual(token(1))
    expect(issued.take("v1.a.sig")).toBeUndefined()
  })

  it("forgets the oldest past its bound", () => {
    const issued = new IssuedTokens()
    for (let i = 0; i <= MAX_REMEMBERED; i++) issued.remember(`t${i}`, token(i))
    expect(issued.size).toBe(MAX_REMEMBERED)
    expect(issued.take("t0")).toBeUndefined()
    expect(issued.take(`t${MAX_REMEMBERED}`)).toEqual(token(MAX_REMEMBERED))
  })
})

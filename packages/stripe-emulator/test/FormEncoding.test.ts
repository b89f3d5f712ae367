import { describe, expect, it } from "vitest"
import { fromJson, parseForm } from "../src/http/FormEncoding.js"

describe("form encoding", () => {
  it("reads nested hashes and both array forms", () => {
    expect(parseForm("metadata[plan]=pro&metadata[seats]=3&expand[0]=customer&expand[1]=data.invoice")).toEqual({
      metadata: { plan: "pro", seats: "3" },
      expand: ["customer", "data.invoice"]
    })
    expect(parseForm("expand[]=customer&expand[]=latest_invoice")).toEqual({ expand: ["customer", "latest_invoice"] })
  })

  it("reads arrays of hashes as the SDK sends them", () => {
    expect(parseForm("items[0][price]=price_a&items[0][quantity]=2&items[1][price]=price_b")).toEqual({
      items: [{ price: "price_a", quantity: "2" }, { price: "price_b" }]
    })
  })

  it("decodes percent-escapes and plus signs, and keeps empty values (they unset fields)", () => {
    expect(parseForm("email=a%2Bb%40example.com&name=Ada+Lovelace&description=")).toEqual({
      email: "a+b@example.com",
      name: "Ada Lovelace",
      description: ""
    })
  })

  it("turns JSON bodies into the same shape, leaves as strings", () => {
    expect(fromJson({ amount: 100, capture: false, metadata: { a: 1 }, items: [{ price: "p" }] })).toEqual({
      amount: "100",
      capture: "false",
      metadata: { a: "1" },
      items: [{ price: "p" }]
    })
  })
})

/**
 * The values a write sends are the values the user wrote: integers past 2^53 and decimals
 * past a double's digits reach the API digit for digit (read off the gate, which sees the
 * request: the emulator itself keeps numbers as JavaScript numbers), a statement Postgres
 * would refuse (a column named twice) is refused as Postgres refuses it, binary parameters
 * are read by the types Postgres gives them, and what the proxy cannot return (a column of
 * an UPDATE's FROM list) is refused with what to do instead; nothing sent in either case.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as ApiGate from "./support/ApiGate.js"
import * as Clients from "./support/Clients.js"
import * as GatedStack from "./support/GatedStack.js"
import { failure } from "./support/Failure.js"
import type * as ProxyStack from "./support/ProxyStack.js"

let gated: GatedStack.GatedStack
let gate: ApiGate.ApiGate
let stack: ProxyStack.ProxyStack
const clients = Clients.make()

beforeAll(async () => {
  gated = await GatedStack.start()
  ;({ gate, stack } = gated)
})

afterAll(async () => {
  await clients.endAll()
  await gated?.stop()
})

/** The form of the last request the proxy sent to `path`. */
const lastSent = (path: string) => {
  const sent = gate.passed.filter((request) => request.method === "POST" && request.path.startsWith(path))
  return sent[sent.length - 1]?.form
}

describe("numbers a write sends", () => {
  it("sends a bigint past 2^53 as written, not rounded to a double", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("insert into stripe.customers (email, balance) values ('big@x.co', 9007199254740993)")
    expect(lastSent("/v1/customers")?.get("balance")).toBe("9007199254740993")
    await client.query("insert into stripe.customers (email, balance) values ('param@x.co', $1)", ["-9223372036854775808"])
    expect(lastSent("/v1/customers")?.get("balance")).toBe("-9223372036854775808")
    await client.query("insert into stripe.customers (email, balance) values ('small@x.co', 42)")
    expect(lastSent("/v1/customers")?.get("balance")).toBe("42")
  })

  it("sends a numeric with every digit, and one past a double's range as its digits, not Infinity", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("insert into stripe.tax_rates (display_name, percentage, inclusive) values ('VAT', 8.123456789012345678, false)")
    expect(lastSent("/v1/tax_rates")?.get("percentage")).toBe("8.123456789012345678")
    await client.query("insert into stripe.tax_rates (display_name, percentage, inclusive) values ('VAT', 1e400, false)").catch(() => undefined)
    expect(lastSent("/v1/tax_rates")?.get("percentage")).toBe(`1${"0".repeat(400)}`)
    const coupon = await client.query("insert into stripe.coupons (percent_off, duration) values (12.5, 'once') returning percent_off")
    expect(lastSent("/v1/coupons")?.get("percent_off")).toBe("12.5")
    expect(coupon.rows[0].percent_off).toBe("12.5")
  })
})

describe("a column named twice", () => {
  it("refuses an INSERT naming a column twice with 42701, as Postgres does, nothing sent", async () => {
    const client = await clients.connect(stack.a.url)
    const before = gate.passed.length
    const error = await failure(client.query("insert into stripe.customers (email, email) values ('a@x.co', 'b@x.co')"))
    expect(error.code).toBe("42701")
    expect(error.message).toBe('column "email" specified more than once')
    expect(gate.passed.length).toBe(before)
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("refuses an UPDATE assigning a column twice with 42601, as Postgres does, nothing sent", async () => {
    const client = await clients.connect(stack.a.url)
    const created = await client.query("insert into stripe.customers (email) values ('twice@x.co') returning upstream_id")
    const id = created.rows[0].upstream_id as string
    const before = gate.passed.length
    const error = await failure(client.query(`update stripe.customers set name = 'first', name = 'second' where upstream_id = '${id}'`))
    expect(error.code).toBe("42601")
    expect(error.message).toBe('multiple assignments to same column "name"')
    expect(gate.passed.length).toBe(before)
    expect((await client.query("select name from stripe.customers where upstream_id = $1", [id])).rows).toEqual([{ name: null }])
  })
})

/** An int8 in binary, as pgx and asyncpg send one after Parse left its type to Postgres. */
const int8 = (value: bigint) => {
  const bytes = Buffer.alloc(8)
  bytes.writeBigInt64BE(value)
  return bytes
}

describe("binary parameters whose type Parse left to Postgres", () => {
  it("decodes them by the type Postgres gave them, as Postgres does", async () => {
    const client = await clients.connect(stack.a.url)
    // node-pg sends a Buffer in binary and declares no type in Parse.
    const cast = await client.query("insert into stripe.customers (email, balance) values ('bin1@x.co', $1::int8) returning balance", [int8(9n)])
    expect(cast.rows).toEqual([{ balance: "9" }])
    const inferred = await client.query("insert into stripe.customers (email, balance) values ('bin2@x.co', $1) returning balance", [int8(-5n)])
    expect(inferred.rows).toEqual([{ balance: "-5" }])
    // Bytes that also read as digits in UTF-8 ("1234"): the int4 825373492, not 1234.
    const digits = await client.query("insert into stripe.customers (email, balance) values ('bin3@x.co', $1::int4) returning balance", [Buffer.from("1234")])
    expect(digits.rows).toEqual([{ balance: "825373492" }])
    expect(lastSent("/v1/customers")?.get("balance")).toBe("825373492")
    const text = await client.query("update stripe.customers set name = $1 where email = $2 returning name", [Buffer.from("Zoë"), "bin3@x.co"])
    expect(text.rows).toEqual([{ name: "Zoë" }])
  })
})

describe("RETURNING of an UPDATE or DELETE with FROM or USING", () => {
  it("refuses a column of the FROM list's tables with 0A000 and what to do instead, nothing sent", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("insert into stripe.customers (email) values ('from@x.co')")
    await client.query("insert into stripe.products (name) values ('From')")
    const before = gate.passed.length
    const error = await failure(client.query(
      "update stripe.customers c set name = p.name from stripe.products p where p.name = 'From' and c.email = 'from@x.co' returning c.name, p.upstream_id"
    ))
    expect(error.code).toBe("0A000")
    expect(error.message).toContain("p.upstream_id")
    expect(error.hint).toContain("stripe.customers")
    const star = await failure(client.query(
      "delete from stripe.customers using stripe.products p where p.name = 'From' and customers.email = 'from@x.co' returning p.*"
    ))
    expect(star.code).toBe("0A000")
    expect(gate.passed.length).toBe(before)
    // The table's own columns, by its alias or its name, still come back.
    const ok = await client.query(
      "update stripe.customers c set name = p.name from stripe.products p where p.name = 'From' and c.email = 'from@x.co' returning c.name, email"
    )
    expect(ok.rows).toEqual([{ name: "From", email: "from@x.co" }])
  })
})

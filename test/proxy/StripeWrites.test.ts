/**
 * The Stripe connector's write side through the proxy, beyond customers: objects that refer
 * to each other, writes Stripe never does (refused before any request, with what to do
 * instead), and objects whose nested lists the row holds whole.
 */
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import pg from "pg"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { failure } from "./support/Failure.js"
import * as ProxyStack from "./support/ProxyStack.js"

let stack: ProxyStack.ProxyStack
let emulator: RunningEmulator
let api: Stripe
let client: pg.Client


beforeAll(async () => {
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  const [a, b] = emulator.apiKeys
  api = new Stripe(a!, { host: emulator.host, port: emulator.port, protocol: "http", telemetry: false })
  stack = await ProxyStack.start(StripeConnector.make(), { url: emulator.url, keys: [a!, b!] })
  client = new pg.Client({ connectionString: stack.a.url })
  client.on("error", () => undefined)
  await client.connect()
})

afterAll(async () => {
  await client?.end().catch(() => undefined)
  await stack?.stop()
  await emulator?.stop()
})

describe("Stripe writes through the connector", () => {
  it("creates a product and a price on it, and updates both", async () => {
    const product = await client.query("insert into stripe.products (name) values ('Spice') returning upstream_id, active")
    const productId = product.rows[0].upstream_id as string
    expect(product.rows[0].active).toBe(true)
    const price = await client.query(
      "insert into stripe.prices (product, currency, unit_amount) values ($1, 'usd', 1500) returning upstream_id, unit_amount",
      [productId]
    )
    const priceId = price.rows[0].upstream_id as string
    expect(Number(price.rows[0].unit_amount)).toBe(1500)
    expect((await api.prices.retrieve(priceId)).product).toBe(productId)

    await client.query("update stripe.products set name = 'Melange' where upstream_id = $1", [productId])
    expect((await api.products.retrieve(productId)).name).toBe("Melange")
    await client.query("update stripe.prices set active = false where upstream_id = $1", [priceId])
    expect((await api.prices.retrieve(priceId)).active).toBe(false)
    expect((await client.query("select active from stripe.prices where upstream_id = $1", [priceId])).rows[0].active).toBe(false)
  })

  it("refuses a delete Stripe never does with 0A000 and what to do instead, before any request", async () => {
    const price = await client.query("insert into stripe.prices (currency, unit_amount, product) select 'usd', 100, upstream_id from stripe.products limit 1 returning upstream_id")
    const priceId = price.rows[0].upstream_id as string
    // Every request would fail now (HV000): a 0A000 shows that none was made.
    await emulator.admin().faults({ errorRate5xx: 1 })
    const error = await failure(client.query("delete from stripe.prices where upstream_id = $1", [priceId]))
    await emulator.admin().resetFaults()
    expect(error.code).toBe("0A000")
    expect(error.message).toContain("cannot delete")
    expect(error.hint).toContain("active = false")
    expect((await api.prices.retrieve(priceId)).id).toBe(priceId)
    // The connection goes on.
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("refuses a column Stripe computes, naming it, before any request", async () => {
    const customer = await client.query("insert into stripe.customers (email) values ('computed@x.co') returning upstream_id")
    const error = await failure(client.query("update stripe.customers set delinquent = true where upstream_id = $1", [customer.rows[0].upstream_id]))
    expect(error.code).toBe("0A000")
    expect(error.column).toBe("delinquent")
    expect(error.message).toContain("computed by stripe")
    // A column that is not writable at all lists the writable ones, which leave out what Stripe computes.
    const unknown = await failure(client.query("update stripe.customers set tax_exempt_status = 'x' where upstream_id = $1", [customer.rows[0].upstream_id]))
    expect(unknown.code).toBe("0A000")
    expect(unknown.hint).toContain("email")
    expect(unknown.hint).not.toContain("delinquent")
  })

  it("refuses writes to objects Stripe makes itself", async () => {
    const error = await failure(client.query("insert into stripe.balance_transactions (amount, currency) values (1, 'usd')"))
    expect(error.code).toBe("0A000")
    expect(error.hint).toContain("balance transactions")
  })

  it("creates a coupon, and a Stripe validation error names its column", async () => {
    const coupon = await client.query("insert into stripe.coupons (percent_off, duration, name) values (25, 'once', 'Quarter') returning upstream_id, percent_off")
    expect(Number(coupon.rows[0].percent_off)).toBe(25)
    expect((await api.coupons.retrieve(coupon.rows[0].upstream_id as string)).name).toBe("Quarter")
    const invalid = await failure(client.query("insert into stripe.coupons (percent_off, duration) values (25, 'sometimes')"))
    expect(invalid.code).toMatch(/^2/)
    expect(invalid.column).toBe("duration")
  })

  it("writes a multi-row statement one request per row, and reports exactly which rows made it when one is refused", async () => {
    const three = await client.query("insert into stripe.customers (email) values ('row1@x.co'), ('row2@x.co'), ('row3@x.co') returning email")
    expect(three.rows.map((r) => r.email)).toEqual(["row1@x.co", "row2@x.co", "row3@x.co"])

    const error = await failure(client.query("insert into stripe.customers (email) values ('first@x.co'), ('not-an-email'), ('third@x.co')"))
    expect(error.code).toBe("23514")
    expect(error.detail).toContain("1 of 3 rows were written")
    expect(error.detail).toContain("1 more were not sent")
    expect(error.hint).toContain("only for the rows that were not")
    const upstream = (await api.customers.list({ limit: 100 })).data.map((c) => c.email)
    expect(upstream).toContain("first@x.co")
    expect(upstream).not.toContain("third@x.co")
    const firstId = (await api.customers.list({ email: "first@x.co" })).data[0]!.id
    expect(error.detail).toContain(firstId)
    // The written row is in Postgres already, as after a successful statement.
    const here = await client.query("select email from stripe.customers where upstream_id = $1", [firstId])
    expect(here.rows).toEqual([{ email: "first@x.co" }])
  })

  it("lets a sync's credentials write only the collections the sync mirrors", async () => {
    const narrow = new pg.Client({ connectionString: stack.customersOnly.url })
    narrow.on("error", () => undefined)
    await narrow.connect()
    try {
      const refused = await failure(narrow.query("insert into stripe.products (name) values ('Not mirrored')"))
      expect(refused.code).toBe("42501")
      expect(refused.message).toContain("does not mirror stripe:product")
      const inserted = await narrow.query("insert into stripe.customers (email) values ('mirrored@x.co') returning email")
      expect(inserted.rows).toEqual([{ email: "mirrored@x.co" }])
    } finally {
      await narrow.end()
    }
  })

  it("deletes a coupon: Stripe's stub becomes a deleted row", async () => {
    const coupon = await client.query("insert into stripe.coupons (amount_off, currency, duration) values (500, 'usd', 'forever') returning upstream_id")
    const couponId = coupon.rows[0].upstream_id as string
    const deleted = await client.query("delete from stripe.coupons where upstream_id = $1", [couponId])
    expect(deleted.rowCount).toBe(1)
    expect((await api.coupons.list({ limit: 100 })).data.map((c) => c.id)).not.toContain(couponId)
    expect((await client.query("select deleted from stripe.coupons where upstream_id = $1", [couponId])).rows[0].deleted).toBe(true)
  })
})

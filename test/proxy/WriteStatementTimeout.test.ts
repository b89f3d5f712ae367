/**
 * The client session's statement_timeout bounds a write's wait for the API, as it bounds
 * a statement in Postgres: the smaller of it and TRIBUTARY_PROXY_API_TIMEOUT_MS. When it
 * passes, the write answers 57014 as Postgres does for a timed-out statement, with nothing
 * applied to Postgres; the API, which had the request, may still have taken it (here it
 * has: the gate holds only its answer).
 */
import type pg from "pg"
import type Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type * as ApiGate from "./support/ApiGate.js"
import * as Clients from "./support/Clients.js"
import * as GatedStack from "./support/GatedStack.js"
import { failure } from "./support/Failure.js"
import * as ProxyStack from "./support/ProxyStack.js"

let gated: GatedStack.GatedStack
let gate: ApiGate.ApiGate
let stack: ProxyStack.ProxyStack
let api: Stripe
const clients = Clients.make()

beforeAll(async () => {
  gated = await GatedStack.start()
  ;({ gate, stack, api } = gated)
})

afterAll(async () => {
  await clients.endAll()
  await gated?.stop()
})

/** The `n`th customer created from now on (1 for the next): the API takes it, its answer is held. */
const holdCustomer = (n = 1) => {
  let seen = 0
  return gate.hold((method, path) => method === "POST" && path.startsWith("/v1/customers") && ++seen === n)
}

const rowsWithEmail = async (client: pg.Client, emails: ReadonlyArray<string>) =>
  (await client.query<{ email: string }>("select email from stripe.customers where email = any($1) order by email", [emails])).rows
    .map((row) => row.email)

const createdId = (body: string) => (JSON.parse(body) as { id: string }).id

describe("a write whose API wait outlasts the session's statement_timeout", () => {
  it("answers 57014 once statement_timeout passes, nothing applied, the session usable", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("set statement_timeout = '300ms'")
    const held = holdCustomer()
    const error = await failure(client.query("insert into stripe.customers (email) values ('st-simple@x.co')"))
    expect(error.code).toBe("57014")
    expect(error.message).toBe("canceling statement due to statement timeout")
    expect(error.hint).toMatch(/Do not retry blindly/)
    // The API took it: the row arrives with the sync, never through the timed-out write.
    const answer = await held.answered
    expect(answer.status).toBe(200)
    expect(createdId(answer.body)).toMatch(/^cus_/)
    held.release()
    expect(await rowsWithEmail(client, ["st-simple@x.co"])).toEqual([])
    expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("aborts the client's block, with SET LOCAL statement_timeout, in the extended protocol", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("begin")
    await client.query("set local statement_timeout = '300ms'")
    const held = holdCustomer()
    const error = await failure(client.query("insert into stripe.customers (email) values ($1)", ["st-block@x.co"]))
    expect(error.code).toBe("57014")
    held.release()
    expect((await failure(client.query("select 1"))).code).toBe("25P02")
    await client.query("rollback")
    expect(await rowsWithEmail(client, ["st-block@x.co"])).toEqual([])
  })

  it("in a statement of two rows, applies the row the API answered before and says the second may be there", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("set statement_timeout = '500ms'")
    const held = holdCustomer(2)
    const error = await failure(client.query("insert into stripe.customers (email) values ('st-first@x.co'), ('st-second@x.co')"))
    expect(error.code).toBe("57014")
    expect(error.detail).toMatch(/1 of 2 rows were written/)
    expect(error.detail).toMatch(/may have been applied/)
    held.release()
    expect(await rowsWithEmail(client, ["st-first@x.co", "st-second@x.co"])).toEqual(["st-first@x.co"])
  })

  it("sends nothing when statement_timeout has passed before the API call (the rows took longer to find)", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query("set statement_timeout = '200ms'")
    const error = await failure(client.query("insert into stripe.customers (email) select 'st-late@x.co' from pg_sleep(0.5)"))
    expect(error.code).toBe("57014")
    expect(error.hint).toMatch(/Nothing was written/)
    expect((await api.customers.list({ email: "st-late@x.co", limit: 100 })).data).toEqual([])
    expect(await rowsWithEmail(client, ["st-late@x.co"])).toEqual([])
  })

  it("leaves the API timeout in charge when it is the smaller: 58000", async () => {
    const client = await clients.connect(stack.a.url)
    await client.query(`set statement_timeout = '${ProxyStack.API_TIMEOUT_MS * 10}ms'`)
    const held = holdCustomer()
    const error = await failure(client.query("insert into stripe.customers (email) values ('st-api@x.co')"))
    held.release()
    expect(error.code).toBe("58000")
  })
})

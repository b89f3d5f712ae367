/**
 * RETURNING in binary, as JDBC asks for ints once a statement is server-prepared: the
 * bytes the proxy answers with must be the bytes Postgres sends for the same values, for
 * every kind of type (base types, arrays, domains, enums, composites, anonymous records),
 * each column in the format Bind asked for.
 */
import pg from "pg"
import { beforeAll, describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"
import * as RawStatement from "./support/RawStatement.js"

const fixture = EmulatedStack.use()

beforeAll(async () => {
  const owner = new pg.Client({ connectionString: fixture.stack.ownerUrl })
  await owner.connect()
  await owner.query("create type public.mood as enum ('calm', 'happy')")
  await owner.query("create domain public.amount as bigint check (value >= 0)")
  await owner.query("create type public.pair as (n bigint, label text)")
  await owner.end()
})

/** Every kind of type, bytes above 0x7f among them (200 is 00 00 00 c8). */
const LIST = [
  "upstream_id", "email", "balance", "balance::int4 as small", "delinquent", "phone", "upstream_created_at", "data",
  "balance::numeric / 7 as ratio", "id", "array[balance, -1] as amounts", "'happy'::public.mood as mood",
  "balance::public.amount as amount", "row(balance, email)::public.pair as pair", "row(balance, 'é') as anonymous"
].join(", ")

/** Binary everywhere but `email`: each column in its own format. */
const MIXED = [1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

/** The same list, read straight from Postgres as the client role, in the same formats. */
const direct = async (upstreamId: string, formats: ReadonlyArray<number>, list = LIST) => {
  const client = await fixture.clients.connect(fixture.stack.clientRoleUrl)
  return RawStatement.execute(client, `select ${list} from stripe.customers where upstream_id = $1`, [upstreamId], formats)
}

describe("RETURNING in binary", () => {
  it("answers an INSERT's binary columns with Postgres' own bytes, the text ones as text", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    const inserted = await RawStatement.execute(
      client,
      `insert into stripe.customers (email, balance) values ($1, 200) returning ${LIST}`,
      ["binary-insert@x.co"],
      MIXED
    )
    expect(inserted.outcome).toBe("INSERT 0 1")
    const upstreamId = inserted.rows[0]![0]!.toString("utf8")
    expect(upstreamId).toMatch(/^cus_/)
    expect(inserted.rows[0]![2]).toEqual(Buffer.from("00000000000000c8", "hex"))
    const expected = await direct(upstreamId, MIXED)
    expect(inserted.columns).toEqual(expected.columns)
    expect(inserted.rows).toEqual(expected.rows)
  })

  it("answers an UPDATE … RETURNING * in binary when Bind asks binary for every column", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    const inserted = await client.query("insert into stripe.customers (email) values ('binary-update@x.co') returning upstream_id")
    const upstreamId = inserted.rows[0].upstream_id as string
    const updated = await RawStatement.execute(
      client,
      "update stripe.customers set balance = 51200, name = 'Jessica' where upstream_id = $1 returning *",
      [upstreamId],
      [1]
    )
    expect(updated.outcome).toBe("UPDATE 1")
    const expected = await direct(upstreamId, [1], "*")
    expect(updated.columns).toEqual(expected.columns)
    expect(updated.rows).toEqual(expected.rows)
  })

  it("answers a DELETE's binary RETURNING with the row as it was", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    const inserted = await client.query("insert into stripe.customers (email, balance) values ('binary-delete@x.co', 200) returning upstream_id")
    const upstreamId = inserted.rows[0].upstream_id as string
    const expected = await direct(upstreamId, MIXED)
    const deleted = await RawStatement.execute(
      client,
      `delete from stripe.customers where upstream_id = $1 returning ${LIST}`,
      [upstreamId],
      MIXED
    )
    expect(deleted.outcome).toBe("DELETE 1")
    expect(deleted.columns).toEqual(expected.columns)
    expect(deleted.rows).toEqual(expected.rows)
  })

  it("refuses a binary column of a type Postgres cannot send in binary (42883) before any request", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    const refused = await RawStatement.execute(
      client,
      "insert into stripe.customers (email) values ('binary-acl@x.co') returning upstream_id, pg_catalog.makeaclitem(0, 10, 'SELECT', false) as acl",
      [],
      [0, 1]
    )
    expect(refused.outcome).toBe("error:42883")
    expect((await fixture.api.customers.list({ email: "binary-acl@x.co" })).data).toEqual([])
  })
})

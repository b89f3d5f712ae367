/**
 * Unqualified table names in writes resolve with the client's own session search_path, as
 * Postgres resolves them: a name that lands on a synced table is a write to the API; one
 * that lands on any other table passes through to Postgres.
 */
import type pg from "pg"
import type Stripe from "stripe"
import { beforeAll, describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"
import { answers } from "./support/Answers.js"
import { failure } from "./support/Failure.js"

const fixture = EmulatedStack.use()
const clients = fixture.clients

beforeAll(async () => {
  // A table of the user's own with a synced table's name, which the client role may write.
  const owner = await clients.connect(fixture.stack.ownerUrl)
  const role = new URL(fixture.stack.clientRoleUrl).username
  await owner.query(`create table public.customers (email text); grant select, insert, update, delete on public.customers to ${role}`)
})

const emailsInApi = async () => (await fixture.api.customers.list({ limit: 100 })).data.map((c) => c.email)
const ownEmails = async (client: pg.Client) => (await client.query("select email from public.customers order by email")).rows.map((r) => r.email as string)

describe("unqualified names in writes", () => {
  it("a name that resolves to a synced table is a write to the API (simple protocol)", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    await client.query("set search_path = stripe, public")
    const inserted = await client.query("insert into customers (email) values ('sp-simple@x.co') returning upstream_id, email")
    expect(inserted.rows[0].email).toBe("sp-simple@x.co")
    expect((await fixture.api.customers.retrieve(inserted.rows[0].upstream_id as string) as Stripe.Customer).email).toBe("sp-simple@x.co")
    expect(await ownEmails(client)).toEqual([])
  })

  it("updates and deletes through an unqualified name over the extended protocol", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    await client.query("set search_path = stripe, public")
    const inserted = await client.query("insert into customers (email) values ($1) returning upstream_id", ["sp-ext@x.co"])
    const upstreamId = inserted.rows[0].upstream_id as string
    const updated = await client.query("update customers set name = $1 where upstream_id = $2 returning name", ["Renamed", upstreamId])
    expect(updated.rows).toEqual([{ name: "Renamed" }])
    expect((await fixture.api.customers.retrieve(upstreamId) as Stripe.Customer).name).toBe("Renamed")
    const deleted = await client.query("delete from customers c where c.upstream_id = $1", [upstreamId])
    expect(deleted.rowCount).toBe(1)
    expect((await fixture.api.customers.retrieve(upstreamId)).deleted).toBe(true)
  })

  it("follows a search_path set in the same simple query, and SET LOCAL until its block ends", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    const results = await client.query(
      "set search_path = stripe; insert into customers (email) values ('sp-same@x.co') returning email"
    ) as unknown as Array<pg.QueryResult>
    expect(results[1]!.rows).toEqual([{ email: "sp-same@x.co" }])

    const other = await clients.connect(fixture.stack.a.url)
    await other.query("begin")
    await other.query("set local search_path = stripe")
    await other.query("insert into customers (email) values ('sp-local@x.co')")
    await other.query("commit")
    // Back to the default path ("$user", public): the user's own table.
    await other.query("insert into customers (email) values ('sp-own@x.co')")
    expect(await ownEmails(other)).toEqual(["sp-own@x.co"])
    expect(await emailsInApi()).toEqual(expect.arrayContaining(["sp-same@x.co", "sp-local@x.co"]))
    expect(await emailsInApi()).not.toContain("sp-own@x.co")
  })

  it("a name that resolves to a table that is not synced passes through, also in the extended protocol", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    await client.query("set search_path = public, stripe")
    await client.query("insert into customers (email) values ('own-simple@x.co')")
    await client.query("insert into customers (email) values ($1)", ["own-ext@x.co"])
    expect((await client.query("update customers set email = upper(email) where email like 'own-%'")).rowCount).toBe(2)
    expect(await ownEmails(client)).toEqual(expect.arrayContaining(["OWN-SIMPLE@X.CO", "OWN-EXT@X.CO"]))
    expect(await emailsInApi()).not.toContain("own-simple@x.co")
    expect((await client.query("delete from customers where email like 'OWN-%'")).rowCount).toBe(2)

    // A temporary table comes first in the path: the session's own table, as in Postgres.
    await client.query("set search_path = stripe, public")
    await client.query("create temp table customers (email text)")
    await client.query("insert into customers (email) values ('temp@x.co')")
    expect((await client.query("select email from pg_temp.customers")).rows).toEqual([{ email: "temp@x.co" }])
    expect(await emailsInApi()).not.toContain("temp@x.co")
    // Another session's temporary tables cannot be searched from outside it: while one of that
    // name exists, the name is left to the client's session, which may not write the synced table.
    const other = await clients.connect(fixture.stack.a.url)
    await other.query("set search_path = stripe")
    expect((await failure(other.query("insert into customers (email) values ('while-temp@x.co')"))).code).toBe("42501")
    await client.query("drop table pg_temp.customers")
    expect((await other.query("insert into customers (email) values ('after-temp@x.co') returning email")).rows).toEqual([{ email: "after-temp@x.co" }])
  })

  it("a prepared statement follows the search_path of each execution, as Postgres re-plans it when the search_path changes", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    // node-postgres parses a named statement once, then sends only Bind and Execute.
    const insert = (email: string) => client.query({ name: "prepared_insert", text: "insert into customers (email) values ($1)", values: [email] })
    await client.query("set search_path = public, stripe")
    await insert("prep-own-1@x.co")
    await client.query("set search_path = stripe, public")
    await insert("prep-synced@x.co")
    await client.query("set search_path = public, stripe")
    await insert("prep-own-2@x.co")
    expect(await ownEmails(client)).toEqual(expect.arrayContaining(["prep-own-1@x.co", "prep-own-2@x.co"]))
    expect(await ownEmails(client)).not.toContain("prep-synced@x.co")
    expect(await emailsInApi()).toContain("prep-synced@x.co")
    expect(await emailsInApi()).not.toContain("prep-own-1@x.co")
    expect(await emailsInApi()).not.toContain("prep-own-2@x.co")

    // Parsed in a batch before a SET, bound and executed after it: the name follows the SET, as in Postgres.
    const parsedBeforeSet = async (path: string, email: string) => {
      await client.query(path === "stripe" ? "set search_path = public" : "set search_path = stripe")
      return answers(client, (connection) => {
        connection.stream.cork()
        connection.parse({ name: "parsed_before_set", text: "insert into customers (email) values ($1)", types: [] })
        connection.parse({ text: `set search_path = ${path}`, types: [] })
        connection.bind({ values: [] })
        connection.execute({})
        connection.bind({ statement: "parsed_before_set", values: [email] })
        connection.execute({})
        connection.sync()
        connection.stream.uncork()
      }, (message) => message.name === "error" ? `error:${message.code}` : message.name)
    }
    const answered = (write: ReadonlyArray<string>) =>
      ["parseComplete", "parseComplete", "bindComplete", "commandComplete", "bindComplete", ...write, "commandComplete", "readyForQuery:I"]
    // The write shares the batch's implicit transaction with the SET: the NOTICE that it escaped it.
    expect(await parsedBeforeSet("stripe", "batch-synced@x.co")).toEqual(answered(["notice"]))
    await client.query("deallocate parsed_before_set")
    expect(await parsedBeforeSet("public", "batch-own@x.co")).toEqual(answered([]))
    expect(await emailsInApi()).toContain("batch-synced@x.co")
    expect(await emailsInApi()).not.toContain("batch-own@x.co")
    expect(await ownEmails(client)).toContain("batch-own@x.co")
    expect(await ownEmails(client)).not.toContain("batch-synced@x.co")
  })

  it("a temporary table shadows a synced table's name unless the search_path puts pg_temp after the synced schema, as in Postgres", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    await client.query("create temp table customers (email text)")
    // pg_temp is searched first unless the search_path names it: the temporary table.
    for (const path of ["stripe, public", "pg_temp, stripe"]) {
      await client.query(`set search_path = ${path}`)
      await client.query("insert into customers (email) values ($1)", [`shadowed-${path.split(",")[0]}@x.co`])
    }
    expect((await client.query("select email from pg_temp.customers order by email")).rows.map((r) => r.email as string))
      .toEqual(["shadowed-pg_temp@x.co", "shadowed-stripe@x.co"])
    // Named after stripe, pg_temp comes after it: the synced table, through the API.
    await client.query("set search_path = stripe, pg_temp")
    const inserted = await client.query("insert into customers (email) values ($1) returning upstream_id", ["temp-after@x.co"])
    expect((await fixture.api.customers.retrieve(inserted.rows[0].upstream_id as string) as Stripe.Customer).email).toBe("temp-after@x.co")
    await client.query("set search_path = stripe, \"pg_temp\"")
    await client.query("insert into customers (email) values ($1)", ["temp-after-quoted@x.co"])
    expect(await emailsInApi()).toContain("temp-after-quoted@x.co")
    expect((await client.query("select count(*)::int as n from pg_temp.customers")).rows).toEqual([{ n: 2 }])
    await client.query("drop table pg_temp.customers")
  })

  it("refuses what it refuses on qualified names, and keeps the aborted block's 25P02", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    await client.query("set search_path = stripe")
    const upsert = await failure(client.query("insert into customers (email) values ('u@x.co') on conflict (id) do update set email = excluded.email"))
    expect(upsert.code).toBe("0A000")
    const nested = await failure(client.query("with made as (insert into customers (email) values ($1) returning id) select * from made", ["cte@x.co"]))
    expect(nested.code).toBe("0A000")
    await client.query("begin")
    await failure(client.query("select 1/0"))
    expect((await failure(client.query("insert into customers (email) values ($1)", ["late@x.co"]))).code).toBe("25P02")
    await client.query("rollback")
    expect(await emailsInApi()).not.toContain("late@x.co")
  })
})

/**
 * The names inside a write's expressions (a table in INSERT … SELECT or in a WHERE's
 * subquery, a function in SET or RETURNING) resolve through the session's search_path too,
 * as they would in the statement run by Postgres in that session.
 */
describe("names in a write's expressions", () => {
  const schema = "Own Names"
  beforeAll(async () => {
    // A schema of the user's own whose name needs quoting, which the default search_path does not reach.
    const owner = await clients.connect(fixture.stack.ownerUrl)
    const role = new URL(fixture.stack.clientRoleUrl).username
    await owner.query(`create schema "${schema}"; grant usage on schema "${schema}" to ${role}`)
    await owner.query(`create table "${schema}".signups (email text); grant select on "${schema}".signups to ${role}`)
    await owner.query(`insert into "${schema}".signups values ('expr-a@x.co'), ('expr-b@x.co')`)
    await owner.query(`create function "${schema}".shout(text) returns text language sql immutable as $$ select upper($1) || '!' $$`)
  })

  it("INSERT … SELECT, UPDATE … WHERE and RETURNING find the session's tables and functions", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    await client.query(`set search_path = "${schema}", public`)
    const inserted = await client.query(
      "insert into stripe.customers (email, name) select email, shout(email) from signups order by email returning email, name"
    )
    expect(inserted.rows).toEqual([
      { email: "expr-a@x.co", name: "EXPR-A@X.CO!" },
      { email: "expr-b@x.co", name: "EXPR-B@X.CO!" }
    ])
    const updated = await client.query(
      "update stripe.customers set name = shout($1) where email in (select email from signups) returning shout(name) as loud",
      ["renamed"]
    )
    expect(updated.rows).toEqual([{ loud: "RENAMED!!" }, { loud: "RENAMED!!" }])
    const inApi = (await fixture.api.customers.list({ limit: 100 })).data.filter((c) => c.email?.startsWith("expr-"))
    expect(inApi.map((c) => c.name)).toEqual(["RENAMED!", "RENAMED!"])
    expect((await client.query("delete from stripe.customers where email in (select email from signups)")).rowCount).toBe(2)
  })

  it("follows a SET LOCAL, and is back to the default path after it", async () => {
    const client = await clients.connect(fixture.stack.a.url)
    await client.query("begin")
    await client.query(`set local search_path = "${schema}", public`)
    const inserted = await client.query("insert into stripe.customers (email, name) values ($1, shout($2)) returning name", ["expr-local@x.co", "local"])
    expect(inserted.rows).toEqual([{ name: "LOCAL!" }])
    await client.query("commit")
    // As in Postgres: the function is not on the default path.
    const after = await failure(client.query("insert into stripe.customers (email, name) values ($1, shout($2))", ["expr-after@x.co", "after"]))
    expect(after.code).toBe("42883")
  })
})

/**
 * `COPY … FROM STDIN` in a multi-statement simple query with a synced write: the proxy
 * runs the query statement by statement (see MultiStatement.test.ts), and the COPY's
 * part waits upstream for the client's CopyData and CopyDone. The client (node-postgres
 * with pg-copy-streams, as a loader would) must get what Postgres would answer, rows and
 * all, and a connection it can go on with: never a hang or a dropped connection.
 */
import type pg from "pg"
import { from as copyFrom, to as copyTo } from "pg-copy-streams"
import { describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"

const fixture = EmulatedStack.use()
const clients = fixture.clients

/** A hang fails here rather than at the test's timeout, with what was going on. */
const within = <A>(what: string, ms: number, promise: Promise<A>): Promise<A> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    )
  })

/** The COPY's rows sent through the query's COPY; the stream's rowCount, or the error's SQLSTATE. */
const copyIn = async (client: pg.Client, sql: string, rows: string): Promise<{ rowCount: number } | { error: string }> => {
  const stream = client.query(copyFrom(sql))
  const finished = new Promise<{ rowCount: number } | { error: string }>((resolve) => {
    stream.on("finish", () => resolve({ rowCount: stream.rowCount }))
    stream.on("error", (error: Error & { code?: string }) => resolve({ error: error.code ?? error.message }))
  })
  stream.end(rows)
  return within(sql, 10_000, finished)
}

const setUp = async (url: string) => {
  const client = await clients.connect(url)
  await client.query("create temp table copied (n int check (n > 0))")
  return client
}

const copiedRows = async (client: pg.Client) =>
  (await client.query("select coalesce(array_agg(n order by n), '{}') as n from copied")).rows[0].n as ReadonlyArray<number>

const inApi = async (email: string) =>
  (await fixture.api.customers.list({ limit: 100, email })).data.length

describe("COPY FROM STDIN in a multi-statement simple query with a synced write", () => {
  const orders = [
    { name: "the write first", sql: (email: string) => `insert into stripe.customers (email) values ('${email}'); copy copied from stdin` },
    { name: "the COPY first", sql: (email: string) => `copy copied from stdin; insert into stripe.customers (email) values ('${email}')` }
  ]

  for (const [index, order] of orders.entries()) {
    it(`copies the rows and writes, ${order.name}, and the connection goes on`, async () => {
      const email = `multi-copy-${index}@x.co`
      const client = await setUp(fixture.stack.a.url)
      const outcome = await copyIn(client, order.sql(email), "1\n2\n3\n")
      expect(outcome).toEqual({ rowCount: 3 })
      expect(await copiedRows(client)).toEqual([1, 2, 3])
      expect(await inApi(email)).toBe(1)
      expect((await within("select after the COPY", 10_000, client.query("select 1 as one"))).rows).toEqual([{ one: 1 }])
    })

    it(`rolls the rows back when the COPY fails, ${order.name}, as Postgres does`, async () => {
      const email = `multi-copy-bad-${index}@x.co`
      const client = await setUp(fixture.stack.a.url)
      const direct = await setUp(fixture.stack.clientRoleUrl)
      await direct.query("create temp table customers (email text)")
      const straight = await copyIn(direct, order.sql(email).replace("stripe.customers", "customers"), "1\n-2\n")
      expect(straight).toEqual({ error: "23514" })
      const outcome = await copyIn(client, order.sql(email), "1\n-2\n")
      expect(outcome).toEqual(straight)
      expect(await copiedRows(client)).toEqual([])
      expect((await within("select after the failed COPY", 10_000, client.query("select 1 as one"))).rows).toEqual([{ one: 1 }])
    })
  }
})

describe("COPY through the proxy without a synced write (passed through as it is)", () => {
  it("copies rows in and out on the same session, and the connection goes on", async () => {
    const client = await setUp(fixture.stack.a.url)
    expect(await copyIn(client, "copy copied from stdin", "4\n5\n")).toEqual({ rowCount: 2 })
    expect(await copyIn(client, "copy copied from stdin", "6\n")).toEqual({ rowCount: 1 })
    expect(await copiedRows(client)).toEqual([4, 5, 6])
    const out = client.query(copyTo("copy (select n from copied order by n) to stdout"))
    const chunks: Array<Buffer> = []
    out.on("data", (chunk: Buffer) => chunks.push(chunk))
    await within("copy to stdout", 10_000, new Promise<void>((resolve, reject) => {
      out.on("end", () => resolve())
      out.on("error", reject)
    }))
    expect(Buffer.concat(chunks).toString()).toBe("4\n5\n6\n")
    expect(await copyIn(client, "copy copied from stdin", "0\n")).toEqual({ error: "23514" })
    expect((await within("select after the COPYs", 10_000, client.query("select 1 as one"))).rows).toEqual([{ one: 1 }])
  })
})

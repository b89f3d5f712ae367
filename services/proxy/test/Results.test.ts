/**
 * RETURNING in the client's formats, read on a pipelining connection as the reader
 * connections are: a binary column's second query goes with the first, not a round trip later.
 * (With parameters, as RETURNING always has: node-pg sends a query without them as a
 * simple query, in text.)
 */
import { Fixtures } from "@tributary/testkit"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { resultRows } from "../src/writes/Results.js"
import type { Queryable } from "../src/writes/Results.js"

let client: pg.Client

beforeAll(async () => {
  client = new pg.Client({ connectionString: Fixtures.postgresUrl(), pipeline: true } as pg.ClientConfig)
  await client.connect()
})

afterAll(async () => {
  await client?.end()
})

describe("resultRows", () => {
  it("sends the text and the binary query together, and gives each column its format", async () => {
    const events: Array<string> = []
    const recording: Queryable = {
      query: ((config: pg.QueryArrayConfig & { binary?: boolean }) => {
        const name = config.binary === true ? "binary" : "text"
        events.push(`sent ${name}`)
        return (client.query(config) as Promise<pg.QueryArrayResult>).then((result) => {
          events.push(`answered ${name}`)
          return result
        })
      }) as Queryable["query"]
    }
    const result = await resultRows(recording, "select $1::int4 as n, 'seven'::text as t", [7], [1, 0])
    expect(events.slice(0, 2)).toEqual(["sent text", "sent binary"])
    expect(result.fields.map((f) => [f.name, f.format])).toEqual([["n", 1], ["t", 0]])
    expect(result.rows[0]![1]).toEqual(Buffer.from("seven"))
  })
})

/**
 * RETURNING in the client's formats, against a real Postgres: binary columns are read
 * through their types' send functions and arrive as those functions' bytes, text columns
 * as written, in the order of the ids given; send functions are asked once per type.
 */
import { Collection } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Classify from "../src/sql/Classify.js"
import * as SyncedTables from "../src/sql/SyncedTables.js"
import type { WritePlan } from "../src/sql/WritePlan.js"
import * as Queries from "../src/writes/Queries.js"
import * as Results from "../src/writes/Results.js"
import type { Queryable } from "../src/writes/Results.js"
import * as SendFunctions from "../src/writes/SendFunctions.js"

const schema = Fixtures.uniqueName("results")
const FIRST = "00000000-0000-0000-0000-000000000001"
const SECOND = "00000000-0000-0000-0000-000000000002"
let client: pg.Client
let classifier: Classify.Classifier

beforeAll(async () => {
  client = new pg.Client({ connectionString: Fixtures.postgresUrl(), pipeline: true } as pg.ClientConfig)
  await client.connect()
  await client.query(`create schema ${schema}`)
  await client.query(`create type ${schema}.mood as enum ('calm', 'happy')`)
  await client.query(`create table ${schema}.things (id uuid primary key, n bigint, label text, mood ${schema}.mood)`)
  await client.query(`insert into ${schema}.things values ('${FIRST}', 200, 'é', 'happy'), ('${SECOND}', -1, null, 'calm')`)
  await Classify.load()
  const things: SyncedTables.SyncedTable = {
    collection: Collection.make("stripe", "customer"),
    schema,
    table: "things",
    writable: new Map([["n", { name: "n", type: "bigint", path: ["n"] }]]),
    computed: new Set()
  }
  classifier = Classify.make(SyncedTables.make([things]))
})

afterAll(async () => {
  await client?.query(`drop schema ${schema} cascade`)
  await client?.end()
})

const plan = (returning: string): WritePlan => {
  const verdict = classifier.verdict(`update ${schema}.things set n = 1 returning ${returning}`)
  if (verdict.kind !== "write") throw new Error(`expected a write, got ${verdict.kind}`)
  return verdict.write
}

/** Counts the queries it passes on. */
const counting = () => {
  const sent: Array<string> = []
  const queryable: Queryable = {
    query: ((config: string | pg.QueryConfig, values?: Array<unknown>) => {
      sent.push(typeof config === "string" ? config : config.text)
      return client.query(config as pg.QueryConfig, values)
    }) as Queryable["query"]
  }
  return { queryable, sent }
}

const read = async (write: WritePlan, formats: ReadonlyArray<number>, sendFunctions = SendFunctions.make()) => {
  const shape = await Results.describe(client, `${Queries.returning(write, write.returning!)} limit 0`, [[]], formats, sendFunctions)
  if ("typeName" in shape) throw new Error(`no send function for ${shape.typeName}`)
  const rows = await Results.rows(client, Queries.returning(write, write.returning!, shape.senders), [[SECOND, FIRST]], shape)
  return { shape, rows }
}

describe("RETURNING rows", () => {
  it("gives binary columns their send functions' bytes, text columns their text, in the ids' order", async () => {
    const list = "n, label, mood, array[n, 2] as pair, row(n, label) as anonymous, label as again"
    const { shape, rows } = await read(plan(list), [1, 0, 1, 1, 1, 0])
    expect(shape.fields.map((f) => [f.name, f.format])).toEqual(
      [["n", 1], ["label", 0], ["mood", 1], ["pair", 1], ["anonymous", 1], ["again", 0]])
    const expected = await client.query({
      text: `select pg_catalog.int8send(n), label, pg_catalog.enum_send(mood), pg_catalog.array_send(array[n, 2]), ` +
        `pg_catalog.record_send(row(n, label)), label from ${schema}.things order by id desc`,
      rowMode: "array"
    })
    const text = (value: unknown) => (value === null ? null : Buffer.from(value as string, "utf8"))
    expect(rows).toEqual(expected.rows.map((row: Array<unknown>) => [row[0], text(row[1]), row[2], row[3], row[4], text(row[5])]))
    expect(rows[1]![0]).toEqual(Buffer.from("00000000000000c8", "hex"))
  })

  it("reads a text-only RETURNING as written, and asks no send function", async () => {
    const { queryable, sent } = counting()
    const write = plan("*")
    const shape = await Results.describe(queryable, `${Queries.returning(write, write.returning!)} limit 0`, [[]], [], SendFunctions.make())
    expect(sent).toHaveLength(1)
    if ("typeName" in shape) throw new Error("no send function expected")
    expect(shape.senders).toEqual([])
    expect(Queries.returning(write, write.returning!, shape.senders)).toBe(Queries.returning(write, write.returning!))
    const rows = await Results.rows(client, Queries.returning(write, write.returning!), [[FIRST]], shape)
    expect(rows).toEqual([[Buffer.from(FIRST), Buffer.from("200"), Buffer.from("é"), Buffer.from("happy")]])
  })

  it("asks each type's send function once", async () => {
    const { queryable, sent } = counting()
    const sendFunctions = SendFunctions.make()
    const write = plan("n, n + 1, mood")
    const query = `${Queries.returning(write, write.returning!)} limit 0`
    await Results.describe(queryable, query, [[]], [1], sendFunctions)
    expect(sent).toHaveLength(2)
    await Results.describe(queryable, query, [[]], [1], sendFunctions)
    expect(sent).toHaveLength(3)
  })

  it("names a type Postgres cannot send in binary", async () => {
    const write = plan("n, pg_catalog.makeaclitem(0, 10, 'SELECT', false) as acl")
    const shape = await Results.describe(client, `${Queries.returning(write, write.returning!)} limit 0`, [[]], [1], SendFunctions.make())
    expect(shape).toMatchObject({ typeName: "aclitem" })
  })
})

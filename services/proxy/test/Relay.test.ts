/**
 * The relay's hot path against real Postgres, spoken to byte by byte: pipelined queries
 * in one packet (the write among them still caught), the same bytes cut anywhere, and
 * large results to a client that stops reading (the upstream read buffer is reused, so
 * an overwritten byte would show), and many queries sent while upstream is not reading
 * (the client read buffer is reused too). The write path is a recorder; test/proxy covers it.
 */
import { createHash } from "node:crypto"
import { Fixtures } from "@tributary/testkit"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Listening } from "../src/Listener.js"
import type { ExecuteRequest } from "../src/session/Writes.js"
import type { WritePlan } from "../src/sql/WritePlan.js"
import * as Frontend from "../src/wire/Frontend.js"
import { message } from "../src/wire/Writer.js"
import * as RawSession from "./support/RawSession.js"
import * as RecordingProxy from "./support/RecordingProxy.js"

let listening: Listening
let user: string
let password: string
let database: string
let executed: Array<ExecuteRequest<WritePlan>>
/** The search_path each resolution was asked with. */
let resolvedWith: Array<string>

beforeAll(async () => {
  // For Parse of a write, which goes upstream to be checked.
  const fresh = await RecordingProxy.freshDatabase("relay")
  database = fresh.database
  ;({ listening, user, password, executed, resolvedWith } = await RecordingProxy.start(fresh.url.toString()))
})

afterAll(async () => {
  await listening?.close()
})

/** A session through the proxy, logged in with the proxy's own client side; everything it receives is kept. */
const session = () => RawSession.open({ port: listening.port, user, password, database })
const { readable } = RawSession

const query = (sql: string) => message().cstring(sql).typed("Q")

/** `bytes` sent on a new session cut every `step` bytes: the answers up to the `ready`-th ReadyForQuery, and the writes handed over. */
const exchange = async (bytes: Buffer, step: number, ready: number) => {
  const before = executed.length
  const s = await session()
  await s.send(bytes, step)
  const answers = readable(await s.ready(ready))
  s.close()
  return { answers, writes: executed.slice(before) }
}

/** Parse, Bind and Execute of `sql`, unnamed, without Sync. */
const unnamed = (sql: string) => Buffer.concat([Frontend.encodeParse("", sql), Frontend.encodeBind("", ""), Frontend.encodeExecute("")])

const pipelined = Buffer.concat([
  query("SELECT 1 AS one"),
  query("insert into stripe.customers (email) values ('pipelined@x.co')"),
  query("select 2 as two"),
  query("with made as (insert into stripe.customers (email) values ('cte@x.co') returning id) select * from made"),
  query("select 3 as three; INSERT INTO stripe.customers (email) VALUES ('multi@x.co')")
])

describe("relay hot path", () => {
  it("pipelined queries in one packet: reads go upstream, every write among them is caught", async () => {
    const before = executed.length
    const s = await session()
    s.socket.write(pipelined)
    const answers = await s.ready(5)
    expect(readable(answers)).toEqual([
      "T", "D:1", "C:SELECT 1", "Z",
      "C:INSERT 0 1", "Z",
      "T", "D:2", "C:SELECT 1", "Z",
      "E:0A000", "Z",
      "T", "D:3", "C:SELECT 1", "C:INSERT 0 1", "Z"
    ])
    expect(executed.slice(before).map((r) => r.write.action)).toEqual(["insert", "insert"])
    s.close()
  })

  it("gives the same answers however the bytes are cut", async () => {
    const whole = await session()
    whole.socket.write(pipelined)
    const expected = readable(await whole.ready(5))
    whole.close()
    for (const step of [1, 3, 7, 64]) {
      const s = await session()
      await s.send(pipelined, step)
      const got = await s.ready(5).catch((e: Error) => { throw new Error(`step ${step}: ${e.message}`) })
      expect(readable(got)).toEqual(expected)
      s.close()
    }
  })

  it("hands each write the session's settings as upstream last reported them, however the bytes are cut", async () => {
    const settings = Buffer.concat([
      query("set timezone = 'Asia/Tokyo'"),
      query("insert into stripe.customers (email) values ('tokyo@x.co')"),
      query("set datestyle = 'German'; insert into stripe.customers (email) values ('german@x.co')"),
      query("begin; set local intervalstyle = 'sql_standard'"),
      query("insert into stripe.customers (email) values ('local@x.co')"),
      query("rollback"),
      query("insert into stripe.customers (email) values ('after@x.co')")
    ])
    const direct = new pg.Client({ connectionString: Object.assign(new URL(Fixtures.postgresUrl()), { pathname: `/${database}` }).toString() })
    await direct.connect()
    const defaults = (await direct.query("select current_setting('DateStyle') as date, current_setting('IntervalStyle') as interval")).rows[0]
    await direct.end()
    for (const step of [settings.length, 5]) {
      const { writes } = await exchange(settings, step, 7)
      const seen = writes.map((r) =>
        ["TimeZone", "DateStyle", "IntervalStyle"].map((name) => r.sessionParameters.get(name)).join(" | ")
      )
      expect(seen).toEqual([
        `Asia/Tokyo | ${defaults.date} | ${defaults.interval}`,
        `Asia/Tokyo | German, DMY | ${defaults.interval}`,
        "Asia/Tokyo | German, DMY | sql_standard",
        `Asia/Tokyo | German, DMY | ${defaults.interval}`
      ])
    }
  })

  it("asks the session's own search_path for an unqualified name, mid-query and mid-batch, and keeps the answer from the client", async () => {
    const bytes = Buffer.concat([
      query("set search_path = stripe, public"),
      query("insert into customers (email) values ('a@x.co')"),
      // In the same query: the path as the SET left it; `public.customers` is no synced table, so it goes upstream (and is missing).
      query("set search_path = public; insert into customers (email) values ('b@x.co')"),
      // In one batch before its Sync: Postgres has not reported anything yet, the session knows.
      unnamed("set search_path = stripe"),
      unnamed("insert into customers (email) values ('c@x.co')"),
      message().typed("S")
    ])
    for (const step of [bytes.length, 1, 5]) {
      resolvedWith.length = 0
      const { answers, writes } = await exchange(bytes, step, 4)
      expect(answers).toEqual([
        "C:SET", "Z",
        "C:INSERT 0 1", "Z",
        "C:SET", "E:42P01", "Z",
        "1", "2", "C:SET", "1", "2", "C:INSERT 0 1", "Z"
      ])
      expect(resolvedWith).toEqual(["stripe, public", "public", "stripe"])
      expect(writes.map((r) => r.write.relation.table.table)).toEqual(["customers", "customers"])
    }
  })

  let defaultZone = ""
  beforeAll(async () => {
    const direct = new pg.Client({ connectionString: Object.assign(new URL(Fixtures.postgresUrl()), { pathname: `/${database}` }).toString() })
    await direct.connect()
    defaultZone = (await direct.query("show timezone")).rows[0].TimeZone as string
    await direct.end()
  })

  it("hands each write the settings as the session has them, asked of it, mid-query and mid-batch", async () => {
    const bytes = Buffer.concat([
      query("set extra_float_digits = -1; insert into stripe.customers (email) values ('f@x.co')"),
      // Before the batch's Sync Postgres has reported nothing yet, not even TimeZone.
      unnamed("set bytea_output = 'escape'"),
      unnamed("set timezone = 'Asia/Tokyo'"),
      unnamed(`set search_path = "My Schema", public`),
      unnamed("insert into stripe.customers (email) values ('b@x.co')"),
      message().typed("S")
    ])
    for (const step of [bytes.length, 3]) {
      const { answers, writes } = await exchange(bytes, step, 2)
      expect(answers).toEqual(["C:SET", "C:INSERT 0 1", "Z", "1", "2", "C:SET", "1", "2", "C:SET", "1", "2", "C:SET", "1", "2", "C:INSERT 0 1", "S", "Z"])
      const names = ["extra_float_digits", "bytea_output", "TimeZone", "search_path"]
      const seen = writes.map((r) => names.map((name) => r.sessionParameters.get(name)).join(" | "))
      expect(seen).toEqual([`-1 | hex | ${defaultZone} | "$user", public`, `-1 | escape | Asia/Tokyo | "My Schema", public`])
    }
  })

  it("runs a multi-statement query in one transaction upstream, its own BEGIN and COMMIT kept from the client, however the bytes are cut", async () => {
    const bytes = Buffer.concat([
      // BEGIN inside the relay's stand-in for the implicit transaction: upstream's WARNING is not Postgres' answer.
      query("select 1 as one; begin; insert into stripe.customers (email) values ('m1@x.co'); commit"),
      // The last statement's transaction began before it did: with the query's first statement.
      query("select 1 as one; insert into stripe.customers (email) values ('m2@x.co'); select transaction_timestamp() < statement_timestamp() as later"),
      query("select transaction_timestamp() = statement_timestamp() as first")
    ])
    for (const step of [bytes.length, 1, 6]) {
      const { answers, writes } = await exchange(bytes, step, 3)
      expect(answers).toEqual([
        "T", "D:1", "C:SELECT 1", "C:BEGIN", "C:INSERT 0 1", "C:COMMIT", "Z",
        "T", "D:1", "C:SELECT 1", "C:INSERT 0 1", "T", "D:t", "C:SELECT 1", "Z",
        // The session is idle again: a new statement starts a new transaction.
        "T", "D:t", "C:SELECT 1", "Z"
      ])
      // Both writes ran inside a transaction (the client's block, then the query's implicit one), so they say they escaped it.
      expect(writes.map((r) => r.inTransaction)).toEqual([true, true])
    }
  })

  it("keeps a write's portal bound before the batch ahead of it was answered: that batch's end is not the portal's", async () => {
    const sync = message().typed("S")
    const before = executed.length
    const s = await session()
    // A batch, then the next one's Parse and Bind before the first is answered.
    await s.send(Buffer.concat([unnamed("select 1"), sync, Frontend.encodeParse("", "insert into stripe.customers (email) values ('bound-early@x.co')"), Frontend.encodeBind("", "")]))
    await s.ready(1)
    // Its Execute arrives after the first batch's ReadyForQuery: the portal is still the write's.
    await s.send(Buffer.concat([Frontend.encodeExecute(""), sync]))
    await s.ready(2)
    s.close()
    expect(executed.slice(before).map((r) => JSON.stringify(r.write).includes("bound-early@x.co"))).toEqual([true])
  })

  it("tells a write of a batch outside a block whether other statements share its implicit transaction, however the bytes are cut", async () => {
    const sync = message().typed("S")
    const write = (email: string) => unnamed(`insert into stripe.customers (email) values ('${email}')`)
    const bytes = Buffer.concat([
      // Alone before its Sync: its own transaction.
      write("alone@x.co"), sync,
      // A statement before it, then after it (read ahead, or waited for when cut), then a batch of writes.
      unnamed("select 1"), write("after@x.co"), sync,
      write("before@x.co"), unnamed("select 1"), sync,
      write("one@x.co"), write("two@x.co"), sync,
      // Alone again: the batches before it are over.
      write("alone-again@x.co"), sync
    ])
    for (const step of [bytes.length, 1, 9]) {
      const { writes } = await exchange(bytes, step, 5)
      expect(writes.map((r) => r.inTransaction), `step ${step}`).toEqual([false, true, true, true, true, false])
    }
  })

  it("rolls back the statements of a failed write's batch sent before the batch ahead of it was answered", async () => {
    const sync = message().typed("S")
    const bytes = Buffer.concat([
      query("create temp table kept (n int)"),
      unnamed("insert into kept values (1)"), sync,
      // Its Executes go upstream before the ReadyForQuery of the batch ahead arrives.
      unnamed("insert into kept values (2)"), unnamed("delete from stripe.customers"), sync,
      query("select count(*) from kept")
    ])
    for (const step of [bytes.length, 7]) {
      const { answers } = await exchange(bytes, step, 4)
      // The second batch's insert is rolled back: one row kept.
      expect(answers.slice(-11), `step ${step}`).toEqual(["1", "2", "C:INSERT 0 1", "1", "2", "E:23514", "Z", "T", "D:1", "C:SELECT 1", "Z"])
    }
  })

  it("delivers large results byte for byte to a client that stops reading for a while", async () => {
    const s = await session()
    s.socket.pause()
    s.socket.write(Buffer.concat([
      query("select i, repeat(md5(i::text), 20) as text from generate_series(1, 20000) as i"),
      query("select repeat('ab', 2000000) as big")
    ]))
    await new Promise((resolve) => setTimeout(resolve, 300))
    s.socket.resume()
    const answers = await s.ready(2)
    const rows = answers.filter((m) => m.type === "D")
    expect(rows).toHaveLength(20_001)
    rows.slice(0, 20_000).forEach((row, index) => {
      const i = String(index + 1)
      const first = row.body.readInt32BE(2)
      const second = row.body.subarray(6 + first + 4).toString()
      expect(row.body.subarray(6, 6 + first).toString()).toBe(i)
      expect(second).toBe(createHash("md5").update(i).digest("hex").repeat(20))
    })
    expect(rows[20_000]!.body.subarray(6).equals(Buffer.from("ab".repeat(2_000_000)))).toBe(true)
    s.close()
  })

  it("delivers queries byte for byte sent while upstream is not reading them", async () => {
    const s = await session()
    // 16 MB of queries behind one that keeps upstream from reading: more than the sockets
    // buffer, so the proxy's writes upstream wait while the client's next bytes arrive.
    // Sent a message at a time, so that the proxy's reads hold whole messages (its hot path).
    const SIZE = 40_000
    const sized = (sql: string, pad: string) => query(sql.replace("%", pad.repeat(Math.ceil(SIZE / pad.length)).slice(0, SIZE - 6 - (sql.length - 1))))
    const payloads = Array.from({ length: 400 }, (_, i) => createHash("sha256").update(String(i)).digest("hex"))
    const queries = payloads.map((p, i) => sized(`select ${String(i).padStart(3, "0")} as i, md5('%') as h`, p))
    await s.send(Buffer.concat([sized("select pg_sleep(0.5) -- %", "x"), ...queries]), SIZE)
    const answers = await s.ready(1 + payloads.length)
    expect(answers.filter((m) => m.type === "E")).toEqual([])
    const rows = answers.filter((m) => m.type === "D").slice(1)
    expect(rows).toHaveLength(payloads.length)
    rows.forEach((row, i) => {
      const first = row.body.readInt32BE(2)
      const text = queries[i]!.subarray(5, -1).toString()
      const padding = /md5\('([0-9a-f]+)'\)/.exec(text)![1]!
      expect(row.body.subarray(6, 6 + first).toString()).toBe(String(i))
      expect(row.body.subarray(6 + first + 4).toString()).toBe(createHash("md5").update(padding).digest("hex"))
    })
    s.close()
  })
})

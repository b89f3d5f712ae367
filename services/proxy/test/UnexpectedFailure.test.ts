/**
 * A write whose answer cannot be built, or whose write path fails where nothing foresaw
 * it, still answers: one ERROR in its place (58000 with the API's ids once the API has
 * accepted it, XX000 before), then ReadyForQuery as for any failed write (a block left
 * aborted, a multi-statement query rolled back), the session usable after, and the failure
 * logged with its stack. The write path is a recorder whose outcome each test sets, in
 * front of real Postgres, spoken to byte by byte.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { Listening } from "../src/Listener.js"
import type { ExecuteRequest, WriteOutcome } from "../src/session/Writes.js"
import type { WritePlan } from "../src/sql/WritePlan.js"
import * as Frontend from "../src/wire/Frontend.js"
import { message } from "../src/wire/Writer.js"
import * as RawSession from "./support/RawSession.js"
import * as RecordingProxy from "./support/RecordingProxy.js"

let proxy: RecordingProxy.RecordingProxy
let listening: Listening
let database: string
/** What the write path answers next. */
let outcome: (request: ExecuteRequest<WritePlan>) => Promise<WriteOutcome>

beforeAll(async () => {
  const fresh = await RecordingProxy.freshDatabase("unexpected")
  database = fresh.database
  proxy = await RecordingProxy.start(fresh.url.toString(), { execute: (request) => outcome(request) })
  listening = proxy.listening
})

afterAll(async () => {
  await listening?.close()
})

beforeEach(() => {
  proxy.logged.length = 0
})

const session = () => RawSession.open({ port: listening.port, user: proxy.user, password: proxy.password, database })
const query = (sql: string) => message().cstring(sql).typed("Q")
const sync = message().typed("S")
const { readable, statusesOf, fieldsOf } = RawSession

/** A field Postgres could never send: a column number past int16, so RowDescription cannot be encoded. */
const unencodableField = { name: "email", tableId: 0, columnId: 70_000, typeId: 25, typeSize: -1, typeModifier: -1, format: 0 }
/** A row of more columns than a DataRow can count (int16). */
const unencodableRow = Array.from({ length: 40_000 }, () => null)
const accepted = { schema: "stripe", table: "customers", ids: ["cus_accepted1"] }

const acceptedButUnanswerable: Record<"simple" | "extended", () => Promise<WriteOutcome>> = {
  simple: async () => ({ ok: true, result: { fields: [unencodableField], rows: [], tag: "INSERT 0 1", notices: [], accepted } }),
  extended: async () => ({ ok: true, result: { rows: [unencodableRow], tag: "INSERT 0 1", notices: [], accepted } })
}

const expectLoggedWithStack = () => {
  expect(proxy.logged).toEqual([
    expect.objectContaining({ level: "error", fields: { stack: expect.stringMatching(/^(RangeError|Error).*\n\s+at /) } })
  ])
}

const errorOf = (messages: ReadonlyArray<RawSession.Message>) => fieldsOf(messages.find((m) => m.type === "E")!)

describe("a write that fails unforeseen", () => {
  it("answers 58000 with the API's ids when the accepted write's RowDescription cannot be built (simple query), and the session goes on", async () => {
    outcome = acceptedButUnanswerable.simple
    const s = await session()
    await s.send(query("insert into stripe.customers (email) values ('a@x.co') returning email"))
    const answers = await s.ready(1)
    expect(readable(answers)).toEqual(["E:58000", "Z"])
    expect(statusesOf(answers)).toBe("I")
    const error = errorOf(answers)
    expect(error.get("S")).toBe("ERROR")
    expect(error.get("D")).toContain("cus_accepted1")
    expect(error.get("H")).toMatch(/Do not retry/)
    expectLoggedWithStack()
    await s.send(query("select 1 as one"))
    expect(readable(await s.ready(2)).slice(2)).toEqual(["T", "D:1", "C:SELECT 1", "Z"])
    s.close()
  })

  it("answers 58000 when the accepted write's DataRow cannot be built (extended protocol), then ReadyForQuery, and the session goes on", async () => {
    outcome = acceptedButUnanswerable.extended
    const s = await session()
    await s.send(Buffer.concat([
      Frontend.encodeParse("", "insert into stripe.customers (email) values ('b@x.co') returning email"),
      Frontend.encodeBind("", ""),
      Frontend.encodeExecute(""),
      sync
    ]))
    const answers = await s.ready(1)
    expect(readable(answers)).toEqual(["1", "2", "E:58000", "Z"])
    expect(statusesOf(answers)).toBe("I")
    expect(errorOf(answers).get("D")).toContain("cus_accepted1")
    expectLoggedWithStack()
    await s.send(query("select 1 as one"))
    expect(readable(await s.ready(2)).slice(4)).toEqual(["T", "D:1", "C:SELECT 1", "Z"])
    s.close()
  })

  it("answers XX000 when the write path itself throws, failing the block it ran in as any failed write does", async () => {
    outcome = () => Promise.reject(new Error("a bug in the write path"))
    const s = await session()
    await s.send(query("begin"))
    await s.send(query("insert into stripe.customers (email) values ('c@x.co')"))
    await s.send(query("select 1"))
    await s.send(query("rollback"))
    const answers = await s.ready(4)
    expect(readable(answers)).toEqual(["C:BEGIN", "Z", "E:XX000", "Z", "E:25P02", "Z", "C:ROLLBACK", "Z"])
    expect(statusesOf(answers)).toBe("TEEI")
    expect(errorOf(answers).get("M")).toMatch(/a bug in the write path/)
    expectLoggedWithStack()

    await s.send(Buffer.concat([
      Frontend.encodeParse("", "insert into stripe.customers (email) values ('d@x.co')"),
      Frontend.encodeBind("", ""),
      Frontend.encodeExecute(""),
      sync,
      query("select 2 as two")
    ]))
    expect(readable(await s.ready(6)).slice(8)).toEqual(["1", "2", "E:XX000", "Z", "T", "D:2", "C:SELECT 1", "Z"])
    s.close()
  })

  it("rolls back a multi-statement query's statements before the write, as for any failed write", async () => {
    outcome = () => Promise.reject(new Error("a bug in the write path"))
    const s = await session()
    await s.send(query("create temp table notes (body text)"))
    await s.send(query("insert into notes values ('rolled back'); insert into stripe.customers (email) values ('e@x.co'); select 3"))
    await s.send(query("select count(*) from notes"))
    const answers = await s.ready(3)
    expect(readable(answers)).toEqual(["C:CREATE TABLE", "Z", "C:INSERT 0 1", "E:XX000", "Z", "T", "D:0", "C:SELECT 1", "Z"])
    expect(statusesOf(answers)).toBe("III")
    s.close()
  })
})

/**
 * A write the proxy fails inside a transaction block aborts that transaction, as any
 * ERROR does in Postgres: ReadyForQuery says `E`, every later statement gets `25P02`, and
 * COMMIT answers ROLLBACK. The client's own statements in the block are rolled back; only
 * writes the API accepted escape it (Proxy.test.ts covers those).
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import type pg from "pg"
import { describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"
import { failure } from "./support/Failure.js"
import { pipelined } from "./support/Pipelined.js"

const run = promisify(execFile)

const fixture = EmulatedStack.use()
const clients = fixture.clients

/** A client through the proxy that remembers the transaction status of each ReadyForQuery, and a table of its own. */
const session = async () => {
  const client = await clients.connect(fixture.stack.a.url)
  const statuses: Array<string> = []
  ;(client as unknown as { connection: pg.Connection }).connection.on("readyForQuery", (message: { status: string }) => {
    statuses.push(message.status)
  })
  await client.query("create temp table kept (n int)")
  const kept = async () => (await client.query("select count(*)::int as n from kept")).rows[0].n as number
  /** The statuses of the ReadyForQuery messages from here on (a failed query settles before its ReadyForQuery arrives). */
  const from = () => {
    const at = statuses.length
    return () => statuses.slice(at)
  }
  return { client, from, kept }
}

/** After a failed write: the statement that failed and the next one report `E`, COMMIT rolls back. */
const expectAborted = async (s: Awaited<ReturnType<typeof session>>, parameters: boolean, since: () => ReadonlyArray<string>) => {
  const ignored = await failure(parameters ? s.client.query("select $1::int as n", [1]) : s.client.query("select 1"))
  expect(ignored.code).toBe("25P02")
  expect((await s.client.query("commit")).command).toBe("ROLLBACK")
  expect(since()).toEqual(["E", "E", "I"])
  expect(await s.kept()).toBe(0)
}

describe("a failed write inside a transaction block", () => {
  it("aborts the transaction (simple protocol): 25P02 after it, COMMIT rolls back", async () => {
    const s = await session()
    await s.client.query("begin")
    await s.client.query("insert into kept values (1)")
    const since = s.from()
    const error = await failure(s.client.query("insert into stripe.customers (email) values ('bad')"))
    expect(error.code).toBe("23514")
    await expectAborted(s, false, since)
    // The session goes on as usual.
    expect((await s.client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
  })

  it("aborts the transaction (extended protocol)", async () => {
    const s = await session()
    await s.client.query("begin")
    await s.client.query("insert into kept values ($1)", [1])
    const since = s.from()
    const error = await failure(s.client.query("insert into stripe.customers (email) values ($1)", ["bad"]))
    expect(error.code).toBe("23514")
    await expectAborted(s, true, since)
  })

  it("aborts it for a refused write too, at Parse or in a simple query", async () => {
    const upsert = "insert into stripe.customers (email) values ($1) on conflict (id) do update set email = excluded.email"
    const extended = await session()
    await extended.client.query("begin")
    await extended.client.query("insert into kept values (1)")
    const extendedSince = extended.from()
    expect((await failure(extended.client.query(upsert, ["u@x.co"]))).code).toBe("0A000")
    await expectAborted(extended, true, extendedSince)

    const simple = await session()
    await simple.client.query("begin")
    await simple.client.query("insert into kept values (1)")
    const simpleSince = simple.from()
    expect((await failure(simple.client.query(upsert.replace("$1", "'u@x.co'")))).code).toBe("0A000")
    await expectAborted(simple, false, simpleSince)

    // Once aborted, Postgres' own 25P02 answers a refused write too.
    await extended.client.query("begin")
    await failure(extended.client.query("select 1/0"))
    expect((await failure(extended.client.query(upsert, ["u@x.co"]))).code).toBe("25P02")
    expect((await failure(extended.client.query(upsert.replace("$1", "'u@x.co'")))).code).toBe("25P02")
    await extended.client.query("rollback")
  })

  it("aborts it when the write fails in a multi-statement query", async () => {
    const s = await session()
    const since = s.from()
    const error = await failure(s.client.query("begin; insert into kept values (1); insert into stripe.customers (email) values ('bad')"))
    expect(error.code).toBe("23514")
    await expectAborted(s, false, since)
  })

  it("leaves the transaction to Postgres: ROLLBACK TO SAVEPOINT recovers it", async () => {
    const s = await session()
    await s.client.query("begin")
    await s.client.query("insert into kept values (1)")
    await s.client.query("savepoint before_write")
    const since = s.from()
    expect((await failure(s.client.query("insert into stripe.customers (email) values ('bad')"))).code).toBe("23514")
    await s.client.query("rollback to savepoint before_write")
    expect(since()).toEqual(["E", "T"])
    expect((await s.client.query("commit")).command).toBe("COMMIT")
    expect(await s.kept()).toBe(1)
  })

  it("outside a transaction block, a failed write leaves the session idle", async () => {
    const s = await session()
    const since = s.from()
    expect((await failure(s.client.query("insert into stripe.customers (email) values ('bad')"))).code).toBe("23514")
    expect((await s.client.query("insert into kept values (1)")).rowCount).toBe(1)
    expect(since()).toEqual(["I", "I"])
    expect(await s.kept()).toBe(1)
  })

  it("psql sees the aborted transaction as Postgres reports it", async () => {
    const result = await run("psql", [fixture.stack.a.url, "-X", "-v", "ON_ERROR_STOP=0", "-c",
      "begin; insert into stripe.customers (email) values ('bad');", "-c", "select 1;", "-c", "commit;"])
      .catch((error: { stdout: string; stderr: string }) => error)
    // psql runs each -c in the same session: the block survives from one to the next.
    expect(result.stderr).toMatch(/stripe validation error/)
    expect(result.stderr).toMatch(/current transaction is aborted, commands ignored until end of transaction block/)
    expect(result.stdout).toMatch(/ROLLBACK/)
  })
})

/**
 * Outside a transaction block, the statements of an extended-protocol batch (Executes
 * before one Sync, JDBC's `executeBatch` with autocommit on) are one implicit transaction:
 * an error in it rolls back what ran before, skips the rest until Sync, and leaves the
 * session idle. A write the proxy fails is such an error.
 */
describe("a failed write in an extended-protocol batch outside a transaction block", () => {
  it("rolls back the batch's earlier statements and skips the rest: one error, then ReadyForQuery I", async () => {
    const s = await session()
    const answer = await pipelined(s.client, [
      { text: "insert into kept values ($1)", values: ["1"] },
      { text: "insert into stripe.customers (email) values ($1)", values: ["bad"] },
      { text: "insert into kept values ($1)", values: ["2"] }
    ])
    expect(answer).toEqual(["parseComplete", "bindComplete", "commandComplete", "parseComplete", "bindComplete", "error:23514", "readyForQuery:I"])
    expect(await s.kept()).toBe(0)
    // The session goes on as usual, and a batch that succeeds commits.
    expect(await pipelined(s.client, [{ text: "insert into kept values ($1)", values: ["3"] }]))
      .toEqual(["parseComplete", "bindComplete", "commandComplete", "readyForQuery:I"])
    expect(await s.kept()).toBe(1)
  })

  it("answers as Postgres answers a batch whose statement fails", async () => {
    // The same batch straight to Postgres, its second statement failing there.
    const direct = await clients.connect(fixture.stack.clientRoleUrl)
    await direct.query("create temp table kept (n int check (n > 0))")
    const answer = await pipelined(direct, [
      { text: "insert into kept values ($1)", values: ["1"] },
      { text: "insert into kept values ($1)", values: ["-1"] },
      { text: "insert into kept values ($1)", values: ["2"] }
    ])
    expect(answer).toEqual(["parseComplete", "bindComplete", "commandComplete", "parseComplete", "bindComplete", "error:23514", "readyForQuery:I"])
    expect((await direct.query("select count(*)::int as n from kept")).rows[0].n).toBe(0)
  })

  it("rolls them back for a write refused at Parse too", async () => {
    const s = await session()
    const answer = await pipelined(s.client, [
      { text: "insert into kept values ($1)", values: ["1"] },
      { text: "insert into stripe.customers (email) values ($1) on conflict (id) do update set email = excluded.email", values: ["u@x.co"] },
      { text: "insert into kept values ($1)", values: ["2"] }
    ])
    expect(answer).toEqual(["parseComplete", "bindComplete", "commandComplete", "error:0A000", "readyForQuery:I"])
    expect(await s.kept()).toBe(0)
  })

  it("keeps a write the API accepted earlier in the batch: it escaped the transaction", async () => {
    const s = await session()
    const answer = await pipelined(s.client, [
      { text: "insert into stripe.customers (email) values ($1)", values: ["batch-kept@x.co"] },
      { text: "insert into kept values ($1)", values: ["1"] },
      { text: "insert into stripe.customers (email) values ($1)", values: ["bad"] }
    ])
    expect(answer).toEqual([
      "parseComplete", "bindComplete", "notice", "commandComplete",
      "parseComplete", "bindComplete", "commandComplete",
      "parseComplete", "bindComplete", "error:23514", "readyForQuery:I"
    ])
    expect(await s.kept()).toBe(0)
    const emails = (await fixture.api.customers.list({ limit: 100 })).data.map((c) => c.email)
    expect(emails).toContain("batch-kept@x.co")
  })
})

/**
 * A write escapes the batch's implicit transaction as it escapes a block, and gets the
 * same NOTICE, when other statements share that transaction: Postgres would roll it back
 * with them. Alone before its Sync it shares nothing, and Postgres would commit it at once.
 */
describe("the NOTICE of a synced write in an extended-protocol batch outside a transaction block", () => {
  const write = (email: string) => ({ text: "insert into stripe.customers (email) values ($1)", values: [email] })

  it("is sent when a statement ran before it in the batch", async () => {
    const s = await session()
    const answer = await pipelined(s.client, [{ text: "insert into kept values ($1)", values: ["1"] }, write("batch-after@x.co")])
    expect(answer).toEqual(["parseComplete", "bindComplete", "commandComplete", "parseComplete", "bindComplete", "notice", "commandComplete", "readyForQuery:I"])
    expect(await s.kept()).toBe(1)
  })

  it("is sent when a statement follows it in the batch, and for each write of a batch of writes", async () => {
    const s = await session()
    expect(await pipelined(s.client, [write("batch-before@x.co"), { text: "insert into kept values ($1)", values: ["1"] }]))
      .toEqual(["parseComplete", "bindComplete", "notice", "commandComplete", "parseComplete", "bindComplete", "commandComplete", "readyForQuery:I"])
    expect(await pipelined(s.client, [write("batch-one@x.co"), write("batch-two@x.co")]))
      .toEqual(["parseComplete", "bindComplete", "notice", "commandComplete", "parseComplete", "bindComplete", "notice", "commandComplete", "readyForQuery:I"])
  })

  it("is not sent for a write alone before its Sync, nor for the next batch", async () => {
    const s = await session()
    await pipelined(s.client, [{ text: "insert into kept values ($1)", values: ["1"] }, write("batch-first@x.co")])
    expect(await pipelined(s.client, [write("batch-alone@x.co")])).toEqual(["parseComplete", "bindComplete", "commandComplete", "readyForQuery:I"])
    // node-postgres' own Parse, Bind, Describe, Execute, Sync.
    const notices: Array<string> = []
    s.client.on("notice", (notice) => notices.push(notice.message ?? ""))
    await s.client.query("insert into stripe.customers (email) values ($1)", ["batch-alone-pg@x.co"])
    expect(notices).toEqual([])
  })
})

/**
 * A read-only transaction refuses writes in Postgres (25006), and the proxy refuses a
 * synced write in one the same way, before anything reaches the API: `BEGIN READ ONLY`,
 * `SET default_transaction_read_only` (or `SET SESSION CHARACTERISTICS AS TRANSACTION
 * READ ONLY`, what JDBC's `setReadOnly(true)` sends), and a hot standby's sessions. The
 * write ran through to the API before, escaping the transaction's promise.
 */
describe("a synced write in a read-only transaction", () => {
  const emailsNamed = async (prefix: string) =>
    (await fixture.api.customers.list({ limit: 100 })).data.map((c) => c.email).filter((e) => e?.startsWith(prefix))

  it("is refused with 25006 as Postgres refuses it, nothing sent, and aborts the block (simple and extended protocol)", async () => {
    const s = await session()
    await s.client.query("begin read only")
    const since = s.from()
    const simple = await failure(s.client.query("insert into stripe.customers (email) values ('ro-simple@x.co')"))
    expect(simple.code).toBe("25006")
    expect(simple.message).toBe("cannot execute INSERT in a read-only transaction")
    await expectAborted(s, false, since)

    await s.client.query("begin transaction read only")
    const extendedSince = s.from()
    const extended = await failure(s.client.query("update stripe.customers set name = $1 where email = $2", ["x", "ro@x.co"]))
    expect(extended.code).toBe("25006")
    expect(extended.message).toBe("cannot execute UPDATE in a read-only transaction")
    await expectAborted(s, true, extendedSince)

    const multi = await failure(s.client.query("begin read only; insert into stripe.customers (email) values ('ro-multi@x.co')"))
    expect(multi.code).toBe("25006")
    expect((await s.client.query("rollback")).command).toBe("ROLLBACK")
    expect(await emailsNamed("ro-")).toEqual([])
  })

  it("is refused outside a block when the session's transactions are read only, and taken once they are not", async () => {
    const s = await session()
    await s.client.query("set session characteristics as transaction read only")
    const refused = await failure(s.client.query("delete from stripe.customers where email = $1", ["ro-nobody@x.co"]))
    expect(refused.code).toBe("25006")
    const psql = await run("psql", [fixture.stack.a.url, "-X", "-v", "ON_ERROR_STOP=1", "-c", "set default_transaction_read_only = on",
      "-c", "insert into stripe.customers (email) values ('ro-psql@x.co')"]).catch((error: { stderr: string }) => error)
    expect(psql.stderr).toContain("cannot execute INSERT in a read-only transaction")
    expect(await emailsNamed("ro-")).toEqual([])
    await s.client.query("set default_transaction_read_only = off")
    expect((await s.client.query("insert into stripe.customers (email) values ($1) returning email", ["ro-taken@x.co"])).rows)
      .toEqual([{ email: "ro-taken@x.co" }])
  })
})

/**
 * Outside a transaction block, Postgres runs the statements of one multi-statement simple
 * query as one implicit transaction: an error rolls back what ran before it and skips the
 * rest, and BEGIN, COMMIT and ROLLBACK in the string change the block as they go. A query
 * with a write to a synced table in it must answer the same through the proxy, and leave
 * the same tables behind, as the same query straight to Postgres with a table of its own
 * (same check, same SQLSTATE) in place of the synced one. Writes the API accepted escape
 * the implicit transaction, as they escape a block.
 */
import type pg from "pg"
import { describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"
import { simpleQuery } from "./support/SimpleQuery.js"

const fixture = EmulatedStack.use()
const clients = fixture.clients

/** `kept` is the user's own table; `customers` names the synced table, or Postgres' stand-in for it. */
type Query = (customers: string) => string

const KEPT = "create temp table kept (n int check (n > 0), at timestamptz)"
/** The stripe emulator refuses an email without `@` with 23514, as this check does. */
const STAND_IN = "create temp table customers (email text check (email like '%@%'))"

interface Outcome {
  readonly messages: ReadonlyArray<string>
  /** `kept`'s rows once the query is over (and an aborted block rolled back). */
  readonly kept: ReadonlyArray<number>
  /** How many transactions `kept`'s rows were inserted in (`now()` is the transaction's start). */
  readonly transactions: number
}

const outcomeOf = async (client: pg.Client, sql: string): Promise<Outcome> => {
  const messages = await simpleQuery(client, sql)
  if (messages.at(-1) === "readyForQuery:E") await client.query("rollback")
  const { rows } = await client.query("select coalesce(array_agg(n order by n), '{}') as kept, count(distinct at)::int as transactions from kept")
  return { messages, kept: rows[0].kept, transactions: rows[0].transactions }
}

/** The proxy's NOTICE for a write that escapes the transaction it ran in. */
const ESCAPED = "notice:NOTICE:00000"

/** The same query through the proxy and straight to Postgres. The proxy's NOTICEs of escaped writes are counted apart. */
const both = async (query: Query) => {
  const proxied = await clients.connect(fixture.stack.a.url)
  await proxied.query(KEPT)
  const direct = await clients.connect(fixture.stack.clientRoleUrl)
  await direct.query(`${KEPT}; ${STAND_IN}`)
  const throughProxy = await outcomeOf(proxied, query("stripe.customers"))
  const straight = await outcomeOf(direct, query("customers"))
  return {
    proxy: { ...throughProxy, messages: throughProxy.messages.filter((m) => m !== ESCAPED) },
    escapedNotices: throughProxy.messages.filter((m) => m === ESCAPED).length,
    direct: straight,
    proxied
  }
}

const storedEmails = async (client: pg.Client, email: string) =>
  (await client.query("select count(*)::int as n from stripe.customers where email = $1", [email])).rows[0].n as number

const inApi = async (email: string) =>
  (await fixture.api.customers.list({ limit: 100, email })).data.length

describe("a multi-statement simple query with a synced write, outside a transaction block", () => {
  it("commits everything as one transaction when it succeeds", async () => {
    const email = "multi-ok@x.co"
    const { proxy, direct, escapedNotices, proxied } = await both((customers) =>
      `insert into kept values (1, now()); insert into ${customers} (email) values ('${email}'); ` +
      "insert into kept values (2, now()); select count(*)::int from kept")
    expect(direct).toEqual({
      messages: ["commandComplete:INSERT 0 1", "commandComplete:INSERT 0 1", "commandComplete:INSERT 0 1",
        "rowDescription", "dataRow:2", "commandComplete:SELECT 1", "readyForQuery:I"],
      kept: [1, 2],
      transactions: 1
    })
    expect(proxy).toEqual(direct)
    // The write escaped the query's implicit transaction, and says so.
    expect(escapedNotices).toBe(1)
    expect(await storedEmails(proxied, email)).toBe(1)
    expect(await inApi(email)).toBe(1)
  })

  it("rolls back the statements before a synced write that fails, and skips the rest", async () => {
    const { proxy, direct } = await both((customers) =>
      `insert into kept values (1, now()); insert into ${customers} (email) values ('bad'); insert into kept values (2, now())`)
    expect(direct).toEqual({
      messages: ["commandComplete:INSERT 0 1", "error:23514", "readyForQuery:I"],
      kept: [],
      transactions: 0
    })
    expect(proxy).toEqual(direct)
  })

  it("rolls back the user's statements when one fails after a synced write; the write stays", async () => {
    const email = "multi-escaped@x.co"
    const { proxy, direct, proxied } = await both((customers) =>
      `insert into kept values (1, now()); insert into ${customers} (email) values ('${email}'); ` +
      "insert into kept values (-1, now()); insert into kept values (2, now())")
    expect(direct).toEqual({
      messages: ["commandComplete:INSERT 0 1", "commandComplete:INSERT 0 1", "error:23514", "readyForQuery:I"],
      kept: [],
      transactions: 0
    })
    expect(proxy).toEqual(direct)
    expect(await storedEmails(proxied, email)).toBe(1)
    expect(await inApi(email)).toBe(1)
  })

  it("reports a COMMIT that fails at the query's end as the query's error, and rolls back", async () => {
    const duplicates = "create temp table deferred_unique (n int unique deferrable initially deferred); insert into deferred_unique values (1), (1)"
    const cases: ReadonlyArray<{ readonly query: Query; readonly email: string; readonly messages: ReadonlyArray<string> }> = [
      {
        email: "multi-deferred@x.co",
        query: (customers) => `${duplicates}; insert into ${customers} (email) values ('multi-deferred@x.co'); insert into kept values (1, now())`,
        // The last statement's CommandComplete follows the commit, so the commit's error takes its place.
        messages: ["commandComplete:CREATE TABLE", "commandComplete:INSERT 0 2", "commandComplete:INSERT 0 1", "error:23505", "readyForQuery:I"]
      },
      {
        email: "multi-deferred-last@x.co",
        query: (customers) => `${duplicates}; insert into kept values (1, now()); insert into ${customers} (email) values ('multi-deferred-last@x.co')`,
        messages: ["commandComplete:CREATE TABLE", "commandComplete:INSERT 0 2", "commandComplete:INSERT 0 1", "error:23505", "readyForQuery:I"]
      }
    ]
    for (const { query, email, messages } of cases) {
      const { proxy, direct, proxied } = await both(query)
      expect(direct, query("customers")).toEqual({ messages, kept: [], transactions: 0 })
      expect(proxy, query("customers")).toEqual(direct)
      expect(await storedEmails(proxied, email)).toBe(1)
    }
  })

  it("follows BEGIN, COMMIT and ROLLBACK in the string as Postgres does", async () => {
    const cases: ReadonlyArray<{ readonly query: Query; readonly kept: ReadonlyArray<number>; readonly warned?: boolean }> = [
      // BEGIN turns the implicit transaction into a block: the first insert is in it, and COMMIT keeps both.
      {
        query: (customers) => "insert into kept values (1, now()); begin; insert into kept values (2, now()); commit; " +
          `insert into kept values (3, now()); insert into ${customers} (email) values ('bad'); insert into kept values (4, now())`,
        kept: [1, 2]
      },
      // COMMIT without BEGIN commits the implicit transaction, with a WARNING; what follows is a new one.
      {
        query: (customers) => "insert into kept values (1, now()); commit; insert into kept values (2, now()); " +
          `insert into ${customers} (email) values ('bad')`,
        kept: [1],
        warned: true
      },
      // ROLLBACK without BEGIN rolls it back, with a WARNING.
      {
        query: (customers) => `insert into kept values (1, now()); rollback; insert into ${customers} (email) values ('multi-rb@x.co'); ` +
          "insert into kept values (2, now())",
        kept: [2],
        warned: true
      },
      // A block opened in the string is left aborted by the failed write (ReadyForQuery E).
      {
        query: (customers) => "insert into kept values (1, now()); begin; insert into kept values (2, now()); " +
          `insert into ${customers} (email) values ('bad')`,
        kept: []
      },
      // A block opened before the write: its COMMIT ends it, the rest is a new implicit transaction.
      {
        query: (customers) => "begin; insert into kept values (1, now()); commit; insert into kept values (2, now()); " +
          `insert into ${customers} (email) values ('bad')`,
        kept: [1]
      },
      // BEGIN's isolation level after a statement ran fails (25001), rolling back the implicit transaction.
      {
        query: (customers) => "insert into kept values (1, now()); begin isolation level serializable; " +
          `insert into ${customers} (email) values ('multi-iso@x.co')`,
        kept: []
      }
    ]
    for (const { query, kept, warned } of cases) {
      const { proxy, direct } = await both(query)
      expect(direct.kept, query("customers")).toEqual(kept)
      expect(direct.messages.includes("notice:WARNING:25P01"), query("customers")).toBe(warned === true)
      expect(proxy, query("customers")).toEqual(direct)
    }
  })

  it("refuses statements that cannot run in a transaction block, and savepoints, as Postgres does in a multi-statement query", async () => {
    const cases: ReadonlyArray<{ readonly query: Query; readonly code: string }> = [
      { query: (customers) => `insert into kept values (1, now()); insert into ${customers} (email) values ('multi-vacuum@x.co'); vacuum kept`, code: "25001" },
      { query: (customers) => `create database multi_statement_never; insert into ${customers} (email) values ('multi-db@x.co')`, code: "25001" },
      { query: (customers) => `insert into kept values (1, now()); savepoint s; insert into ${customers} (email) values ('multi-sp@x.co')`, code: "25P01" },
      { query: (customers) => `insert into kept values (1, now()); commit and chain; insert into ${customers} (email) values ('multi-chain@x.co')`, code: "25P01" }
    ]
    for (const { query, code } of cases) {
      const { proxy, direct } = await both(query)
      expect(direct.messages.filter((m) => m.startsWith("error:")), query("customers")).toEqual([`error:${code}`])
      expect(direct.kept, query("customers")).toEqual([])
      expect(proxy, query("customers")).toEqual(direct)
    }
  })
})

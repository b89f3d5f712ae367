/**
 * While the proxy waits on the API for a write in a simple query inside a transaction (a
 * block of the client's, or the proxy's stand-in for a multi-statement query's implicit
 * transaction), the client's upstream session has answered everything and waits: to
 * Postgres it is idle in transaction. In Postgres the write is a statement running, so
 * `idle_in_transaction_session_timeout` does not count it. A slow API must not get the
 * session killed (FATAL 25P03), the transaction lost, and the client cut off: the client
 * gets what Postgres would answer, and the setting is the client's again afterwards.
 */
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { Fixtures } from "@tributary/testkit"
import type pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ApiGate from "./support/ApiGate.js"
import * as Clients from "./support/Clients.js"
import * as ProxyStack from "./support/ProxyStack.js"
import { simpleQuery } from "./support/SimpleQuery.js"

let emulator: RunningEmulator
let gate: ApiGate.ApiGate
let stack: ProxyStack.ProxyStack
const clients = Clients.make()

beforeAll(async () => {
  emulator = await Emulator.start({ apiKeys: 2, rateLimitPerSecond: 0 })
  gate = await ApiGate.start(emulator.url)
  const [a, b] = emulator.apiKeys
  stack = await ProxyStack.start(StripeConnector.make(), { url: gate.url, keys: [a!, b!] })
  // A table of the user's own that outlives the session, to see whether its block was rolled back.
  const owner = await clients.connect(stack.ownerUrl)
  await owner.query(`create table public.noted (body text); grant select, insert on public.noted to ${new URL(stack.clientRoleUrl).username}`)
})

afterAll(async () => {
  await clients.endAll()
  await stack?.stop()
  await gate?.stop()
  await emulator?.stop()
})

const TIMEOUT = "200ms"

/** The proxy's NOTICE for a write that escapes the transaction it ran in. */
const ESCAPED = "notice:NOTICE:00000"

const session = async () => {
  const client = await clients.connect(stack.a.url)
  await client.query(`create temp table kept (n int); set idle_in_transaction_session_timeout = '${TIMEOUT}'`)
  const pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid
  return { client, pid }
}

/**
 * Runs `sql` with the API's answer to its write held until the client's upstream backend
 * has waited idle in transaction for five times the timeout, or is gone (killed by it).
 */
const withSlowApi = async (client: pg.Client, pid: number, sql: string) => {
  const held = gate.hold((method, path) => method === "POST" && path.startsWith("/v1/customers"))
  const answering = simpleQuery(client, sql)
  await held.answered
  const admin = await clients.connect(Fixtures.postgresUrl())
  await Fixtures.waitFor("the backend idle in transaction past the timeout, or gone", async () => {
    const { rows } = await admin.query<{ waited: boolean }>(
      "select state = 'idle in transaction' and now() - state_change > 5 * $2::interval as waited from pg_stat_activity where pid = $1",
      [pid, TIMEOUT]
    )
    return rows.length === 0 || rows[0]!.waited ? true : undefined
  })
  held.release()
  return (await answering).filter((message) => message !== ESCAPED)
}

const keptRows = async (client: pg.Client) =>
  (await client.query("select coalesce(array_agg(n order by n), '{}') as n from kept")).rows[0].n as ReadonlyArray<number>

const timeoutSetting = async (client: pg.Client) =>
  (await client.query("show idle_in_transaction_session_timeout")).rows[0].idle_in_transaction_session_timeout as string

describe("a write waiting on a slow API inside a transaction, with idle_in_transaction_session_timeout set", () => {
  it("keeps a multi-statement query's implicit transaction alive, and commits it", async () => {
    const { client, pid } = await session()
    const messages = await withSlowApi(client, pid,
      "insert into kept values (1); insert into stripe.customers (email) values ('idle-multi@x.co'); insert into kept values (2)")
    expect(messages).toEqual(["commandComplete:INSERT 0 1", "commandComplete:INSERT 0 1", "commandComplete:INSERT 0 1", "readyForQuery:I"])
    expect(await keptRows(client)).toEqual([1, 2])
    expect(await timeoutSetting(client)).toBe(TIMEOUT)
  })

  it("keeps the client's block alive, and leaves the timeout to the block afterwards", async () => {
    const { client, pid } = await session()
    await client.query("begin; insert into kept values (1)")
    const messages = await withSlowApi(client, pid, "insert into stripe.customers (email) values ('idle-block@x.co')")
    expect(messages).toEqual(["commandComplete:INSERT 0 1", "readyForQuery:T"])
    expect(await timeoutSetting(client)).toBe(TIMEOUT)
    await client.query("insert into kept values (2); commit")
    expect(await keptRows(client)).toEqual([1, 2])
  })
})

describe("after a query with a write, the session's idle timeouts count again", () => {
  /** The session's backend is gone, killed by its timeout as Postgres kills an idle session; the client's errors, Postgres' FATAL first. */
  const killed = async (client: pg.Client, pid: number) => {
    const errors: Array<string> = []
    client.on("error", (error: Error & { code?: string }) => errors.push(error.code ?? error.message))
    const admin = await clients.connect(Fixtures.postgresUrl())
    await Fixtures.waitFor("the idle session killed by its timeout", async () =>
      (await admin.query("select 1 from pg_stat_activity where pid = $1", [pid])).rows.length === 0 ? true : undefined)
    await Fixtures.waitFor("the client told why", () => (errors.length > 0 ? errors : undefined))
    return errors
  }

  it("idle_in_transaction_session_timeout, in the block a BEGIN in the string opened", async () => {
    const { client, pid } = await session()
    const messages = await simpleQuery(client,
      "begin; insert into kept values (1); insert into stripe.customers (email) values ('idle-after-block@x.co'); insert into kept values (2)")
    expect(messages.at(-1)).toBe("readyForQuery:T")
    expect((await killed(client, pid))[0]).toBe("25P03")
  })

  it("idle_session_timeout, once the query's implicit transaction committed", async () => {
    const { client, pid } = await session()
    await client.query(`set idle_session_timeout = '${TIMEOUT}'`)
    const messages = await simpleQuery(client,
      "insert into kept values (1); insert into stripe.customers (email) values ('idle-after-commit@x.co'); insert into kept values (2)")
    expect(messages.at(-1)).toBe("readyForQuery:I")
    expect((await killed(client, pid))[0]).toBe("57P05")
  })

  const noted = async (body: string) =>
    Number((await (await clients.connect(stack.ownerUrl)).query("select count(*) as n from public.noted where body = $1", [body])).rows[0].n)

  it("idle_in_transaction_session_timeout, after a write alone in a query in the client's block, which is rolled back", async () => {
    const { client, pid } = await session()
    await client.query("begin; insert into public.noted values ('lone-in-block')")
    const messages = await simpleQuery(client, "insert into stripe.customers (email) values ('idle-lone-block@x.co')")
    expect(messages).toEqual([ESCAPED, "commandComplete:INSERT 0 1", "readyForQuery:T"])
    expect((await killed(client, pid))[0]).toBe("25P03")
    expect(await noted("lone-in-block")).toBe(0)
  })

  it("idle_in_transaction_session_timeout, after a write that is the last statement after a BEGIN in the string", async () => {
    const { client, pid } = await session()
    const messages = await simpleQuery(client,
      "begin; insert into public.noted values ('last-after-begin'); insert into stripe.customers (email) values ('idle-last@x.co')")
    expect(messages.at(-1)).toBe("readyForQuery:T")
    expect((await killed(client, pid))[0]).toBe("25P03")
    expect(await noted("last-after-begin")).toBe(0)
  })

  it("idle_in_transaction_session_timeout, after a write the API refused in the client's block", async () => {
    const { client, pid } = await session()
    await client.query("begin")
    const messages = await simpleQuery(client, "insert into stripe.customers (email) values ('not an email')")
    expect(messages).toEqual(["error:23514", "readyForQuery:E"])
    expect((await killed(client, pid))[0]).toBe("25P03")
  })

  it("idle_session_timeout, after a write alone in a query outside a block", async () => {
    const { client, pid } = await session()
    await client.query(`set idle_session_timeout = '${TIMEOUT}'`)
    const messages = await simpleQuery(client, "insert into stripe.customers (email) values ('idle-lone@x.co')")
    expect(messages).toEqual(["commandComplete:INSERT 0 1", "readyForQuery:I"])
    expect((await killed(client, pid))[0]).toBe("57P05")
  })

  it("idle_session_timeout, after a write the API refused outside a block", async () => {
    const { client, pid } = await session()
    await client.query(`set idle_session_timeout = '${TIMEOUT}'`)
    const messages = await simpleQuery(client, "insert into stripe.customers (email) values ('not an email')")
    expect(messages).toEqual(["error:23514", "readyForQuery:I"])
    expect((await killed(client, pid))[0]).toBe("57P05")
  })
})

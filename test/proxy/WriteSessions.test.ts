/**
 * The sessions a write runs in besides the client's own: the proxy's reader connections
 * (the client role) evaluate the user's expressions and read RETURNING back.
 *
 * - What one write's expressions do to a reader connection's session (a setting, an
 *   advisory lock) must never reach the next write, which may be another sync's.
 * - The client's settings that change how values are read and shown (TimeZone, DateStyle,
 *   IntervalStyle, and extra_float_digits and bytea_output, which Postgres does not report)
 *   apply to its writes as to its reads: RETURNING gives the text Postgres gives the same
 *   session for a SELECT of the row.
 */
import type pg from "pg"
import { describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"

const fixture = EmulatedStack.use()
const clients = fixture.clients

const connect = clients.connect

/** Every value as the text Postgres sent, not parsed by node-pg. */
const asText = { getTypeParser: () => (value: string) => value }
const textQuery = (client: pg.Client, text: string, values: Array<unknown> = []) =>
  client.query({ text, values, types: asText })

/** Waits for `condition` to hold, up to a deadline; never a fixed sleep. */
const eventually = async (condition: () => Promise<boolean>, deadlineMs = 5_000) => {
  const until = Date.now() + deadlineMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > until) throw new Error(`condition not met within ${deadlineMs} ms`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe("the proxy's reader sessions", () => {
  it("keeps what one write's expressions change in its session from the next client's writes", async () => {
    const attacker = await connect(fixture.stack.a.url)
    const victim = await connect(fixture.stack.b.url)
    const direct = await connect(fixture.stack.clientRoleUrl)
    const defaults = (await direct.query("select current_setting('search_path') as search_path, current_setting('TimeZone') as tz")).rows[0]
    const lock = 4_242_001

    // Expressions that change their session for good: a setting made session-wide, a session advisory lock.
    for (let i = 0; i < 3; i++) {
      await attacker.query(
        "insert into stripe.customers (email) select 'leak' || $1 || '@x.co' " +
          "where set_config('search_path', 'evil, public', false) is not null " +
          "and set_config('TimeZone', 'Pacific/Chatham', false) is not null " +
          `and pg_advisory_lock(${lock}) is not null`,
        [i]
      )
    }

    // Another sync's writes next, on whichever pooled connections they get: the server's defaults.
    for (let i = 0; i < 3; i++) {
      const seen = await victim.query(
        "insert into stripe.customers (email, name, phone) values ($1, current_setting('search_path'), current_setting('TimeZone')) " +
          "returning name, phone, current_setting('search_path') as returning_path, current_setting('TimeZone') as returning_tz",
        [`victim${i}@x.co`]
      )
      expect(seen.rows[0]).toEqual({ name: defaults.search_path, phone: defaults.tz, returning_path: defaults.search_path, returning_tz: defaults.tz })
    }
    // The session lock is gone with the write's session state, not held by an idle pooled connection.
    await eventually(async () =>
      (await direct.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = $1", [lock])).rows[0].n === 0
    )
    // Another write can take the lock at once: nothing holds it.
    const taken = await victim.query(
      `insert into stripe.customers (email, name) select 'lock@x.co', pg_try_advisory_lock(${lock})::text returning name`
    )
    expect(taken.rows[0].name).toBe("true")
  })

  it("reads RETURNING with the client's TimeZone, DateStyle and IntervalStyle, as a SELECT in the same session does", async () => {
    const client = await connect(fixture.stack.a.url)
    await client.query("set timezone = 'Asia/Tokyo'")
    await client.query("set datestyle = 'German'")
    await client.query("set intervalstyle = 'sql_standard'")
    const returned = await textQuery(
      client,
      "insert into stripe.customers (email, name) values ('tokyo@x.co', '2024-01-02 03:04:05'::timestamptz::text) " +
        "returning upstream_id, upstream_created_at, name, interval '1 day 2 hours 3 minutes' as span"
    )
    const row = returned.rows[0]
    const selected = await textQuery(
      client,
      "select upstream_created_at, '2024-01-02 03:04:05'::timestamptz::text as name, interval '1 day 2 hours 3 minutes' as span " +
        "from stripe.customers where upstream_id = $1",
      [row.upstream_id]
    )
    expect(selected.rows[0].upstream_created_at).toMatch(/^\d\d\.\d\d\.\d{4} .* JST$/)
    expect(row.upstream_created_at).toBe(selected.rows[0].upstream_created_at)
    // The VALUES were read in the client's session too: its time zone, its date order.
    expect(row.name).toBe("02.01.2024 03:04:05 JST")
    expect(row.span).toBe(selected.rows[0].span)
    expect(row.span).toBe("1 2:03:00")

    // Extended protocol, an UPDATE, and settings changed in the same simple query as the write.
    const updated = await textQuery(
      client,
      "update stripe.customers set name = $2::date::text where upstream_id = $1 returning upstream_created_at, name",
      [row.upstream_id, "01/02/2024"]
    )
    expect(updated.rows[0]).toEqual({ upstream_created_at: row.upstream_created_at, name: "01.02.2024" })
    const results = await client.query({
      text: "set timezone = 'America/New_York'; set datestyle = 'ISO, MDY'; " +
        "update stripe.customers set name = '01/02/2024'::date::text where upstream_id = '" + String(row.upstream_id) + "' returning upstream_created_at, name",
      types: asText
    }) as unknown as Array<pg.QueryResult>
    const after = await textQuery(client, "select upstream_created_at from stripe.customers where upstream_id = $1", [row.upstream_id])
    expect(after.rows[0].upstream_created_at).toMatch(/^\d{4}-\d\d-\d\d .*-0[45]$/)
    expect(results[2]!.rows[0]).toEqual({ upstream_created_at: after.rows[0].upstream_created_at, name: "2024-01-02" })

    // Another client's writes keep the server's defaults.
    const other = await connect(fixture.stack.a.url)
    const plain = await textQuery(other, "insert into stripe.customers (email) values ('plain@x.co') returning upstream_id, upstream_created_at")
    const plainSelected = await textQuery(other, "select upstream_created_at from stripe.customers where upstream_id = $1", [plain.rows[0].upstream_id])
    expect(plain.rows[0].upstream_created_at).toBe(plainSelected.rows[0].upstream_created_at)
  })

  it("reads RETURNING with the client's extra_float_digits and bytea_output, which Postgres does not report", async () => {
    const client = await connect(fixture.stack.a.url)
    await client.query("set extra_float_digits = -2")
    await client.query("set bytea_output = 'escape'")
    const expressions = "0.1::float8 + 0.2::float8 as f, pi()::float4 as f4, '\\xdeadbeef'::bytea as b"
    const selected = (await textQuery(client, `select ${expressions}`)).rows[0]
    expect(selected).toEqual({ f: "0.3", f4: "3.142", b: "\\336\\255\\276\\357" })
    // Simple protocol, with the values read in the client's settings too.
    const simple = await textQuery(client,
      "insert into stripe.customers (email, name) values ('floats@x.co', (1/3::float8)::text) " +
        `returning name, ${expressions}`)
    expect(simple.rows[0]).toEqual({ name: (await textQuery(client, "select (1/3::float8)::text as name")).rows[0].name, ...selected })
    expect(simple.rows[0].name).toBe("0.3333333333333")
    // Extended protocol, and a SET LOCAL in a transaction block.
    await client.query("begin")
    await client.query("set local bytea_output = 'hex'")
    const extended = await textQuery(client, `update stripe.customers set name = $1 where email = 'floats@x.co' returning ${expressions}`, ["n"])
    expect(extended.rows[0]).toEqual({ ...selected, b: "\\xdeadbeef" })
    await client.query("commit")
    const after = await textQuery(client, `update stripe.customers set name = $1 where email = 'floats@x.co' returning ${expressions}`, ["m"])
    expect(after.rows[0]).toEqual(selected)

    // Another client's writes keep the server's defaults.
    const other = await connect(fixture.stack.a.url)
    const plain = await textQuery(other, `insert into stripe.customers (email) values ('plain-floats@x.co') returning ${expressions}`)
    expect(plain.rows[0]).toEqual((await textQuery(other, `select ${expressions}`)).rows[0])
    expect(plain.rows[0].f).toBe("0.30000000000000004")
  })
})

/**
 * A write needs connections of the proxy's own (the client role's readers find its rows),
 * and Postgres may refuse to open one: `max_connections` reached, or the role's CONNECTION
 * LIMIT (53300). The client's session is fine, so the write answers an ERROR, not a FATAL,
 * with Postgres' code, and says whose connection it was and that nothing was sent: the
 * bare "too many connections for role" read as if the client's own session had failed.
 * A fresh stack, so no reader connection is open before the limit is set.
 */
import { describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"
import { failure } from "./support/Failure.js"

const fixture = EmulatedStack.use()

describe("a write when Postgres refuses the proxy's own connection", () => {
  it("answers ERROR 53300 saying nothing was sent; the session goes on, and the write works once Postgres takes connections", async () => {
    const owner = await fixture.clients.connect(fixture.stack.ownerUrl)
    const role = new URL(fixture.stack.clientRoleUrl).username
    const client = await fixture.clients.connect(fixture.stack.a.url)
    // The client's session is the role's one connection; a reader connection would be a second.
    await owner.query(`alter role ${role} connection limit 1`)
    try {
      const refused = await failure(client.query("insert into stripe.customers (email) values ('limited@x.co')"))
      expect(refused.severity).toBe("ERROR")
      expect(refused.code).toBe("53300")
      expect(refused.message).toMatch(/^the proxy could not use its own connection to Postgres for this write: too many connections for role/)
      expect(refused.hint).toMatch(/Nothing was sent/)
      expect((await fixture.api.customers.list({ email: "limited@x.co" })).data).toEqual([])
      expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }])
    } finally {
      await owner.query(`alter role ${role} connection limit -1`)
    }
    const written = await client.query("insert into stripe.customers (email) values ('limited@x.co') returning email")
    expect(written.rows).toEqual([{ email: "limited@x.co" }])
  })
})

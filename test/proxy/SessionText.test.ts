/**
 * Sessions whose settings change how text is read (writes/SessionText.ts). A client_encoding
 * other than UTF-8 (psql on a LATIN1 terminal, Windows' WIN1252): Postgres converts its text,
 * but the proxy reads a write's SQL and parameters as UTF-8 and sends RETURNING rows as UTF-8,
 * so such a write would reach the API mangled ("José" as "Jos\uFFFD"). standard_conforming_strings
 * off: 'a\nb' would reach it as a backslash and an n. Either write is refused before anything is
 * sent, saying how to write instead; reads pass through, read by Postgres as usual. SQL_ASCII
 * (psql in the C locale) passes bytes through unconverted, as UTF-8 does.
 */
import { execFile } from "node:child_process"
import type Stripe from "stripe"
import { describe, expect, it } from "vitest"
import * as EmulatedStack from "./support/EmulatedStack.js"

const fixture = EmulatedStack.use()

/** psql with `input` (bytes, in the given client encoding) on stdin: its exit code, stdout and stderr. */
const psql = (encoding: string, input: Buffer) =>
  new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
    const child = execFile(
      "psql",
      [fixture.stack.a.url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose"],
      { env: { ...process.env, PGCLIENTENCODING: encoding, PGOPTIONS: "" }, encoding: "buffer" },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") return reject(error)
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr: stderr.toString("utf8") })
      }
    )
    child.stdin?.end(input)
  })

const customersNamed = async (email: string) =>
  (await fixture.api.customers.list({ email, limit: 10 })).data as ReadonlyArray<Stripe.Customer>

describe("a session in a client encoding other than UTF-8", () => {
  it("refuses a write with 0A000 naming the encoding, sends nothing to the API, and reads still convert", async () => {
    const email = "latin1@caladan.io"
    const insert = Buffer.concat([
      Buffer.from(`insert into stripe.customers (email, name) values ('${email}', 'Jos`, "latin1"),
      Buffer.from([0xe9]), // é in LATIN1
      Buffer.from("') returning name;\n", "latin1")
    ])
    const refused = await psql("LATIN1", insert)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain("0A000")
    expect(refused.stderr).toContain("LATIN1")
    expect(refused.stderr).toMatch(/UTF8/)
    expect(await customersNamed(email)).toEqual([])

    // The same session reads as usual: Postgres converts the answer to LATIN1.
    const read = await psql("LATIN1", Buffer.from("select 'Jos' || chr(233);\n", "latin1"))
    expect(read.code).toBe(0)
    expect(read.stdout.toString("latin1").trim()).toBe("José")
  })

  it("takes the write once the session has SET client_encoding TO 'UTF8', as the hint says", async () => {
    const switched = await psql("LATIN1", Buffer.from(
      "set client_encoding to 'UTF8';\ninsert into stripe.customers (email, name) values ('switched@caladan.io', 'José') returning name;\n",
      "utf8"
    ))
    expect(switched.stderr).toBe("")
    expect(switched.stdout.toString("utf8").trim()).toBe("José")
    expect((await customersNamed("switched@caladan.io")).map((c) => c.name)).toEqual(["José"])
  })

  it("takes the write once the session is in UTF8, and in SQL_ASCII", async () => {
    const utf8 = await psql("UTF8", Buffer.from("insert into stripe.customers (email, name) values ('utf8@caladan.io', 'José') returning name;\n", "utf8"))
    expect(utf8.stderr).toBe("")
    expect(utf8.stdout.toString("utf8").trim()).toBe("José")
    expect((await customersNamed("utf8@caladan.io")).map((c) => c.name)).toEqual(["José"])

    const ascii = await psql("SQL_ASCII", Buffer.from("insert into stripe.customers (email, name) values ('ascii@caladan.io', 'José') returning name;\n", "utf8"))
    expect(ascii.stderr).toBe("")
    expect(ascii.stdout.toString("utf8").trim()).toBe("José")
    expect((await customersNamed("ascii@caladan.io")).map((c) => c.name)).toEqual(["José"])
  })
})

describe("a session with standard_conforming_strings off", () => {
  it("refuses a write with 0A000 naming the setting, sends nothing, and takes it once the setting is on", async () => {
    const client = await fixture.clients.connect(fixture.stack.a.url)
    await client.query("set standard_conforming_strings = off")
    // Off, '\n' in a plain string is a newline to Postgres; the proxy would have sent a backslash and an n.
    const refused = await client.query("insert into stripe.customers (email, name) values ('scs@caladan.io', 'a\\nb')").catch((error: unknown) => error)
    expect(refused).toMatchObject({ code: "0A000", message: expect.stringContaining("standard_conforming_strings") })
    expect(await customersNamed("scs@caladan.io")).toEqual([])
    // Reads are the session's own, with its escapes.
    expect((await client.query("select 'a\\nb' as v")).rows).toEqual([{ v: "a\nb" }])

    // Set earlier in the same query: Postgres reports the change only at the query's end.
    await client.query("set standard_conforming_strings = on")
    const inOneQuery = await client.query("set standard_conforming_strings = off; insert into stripe.customers (email, name) values ('scs@caladan.io', 'a\\nb')")
      .catch((error: unknown) => error)
    expect(inOneQuery).toMatchObject({ code: "0A000", message: expect.stringContaining("standard_conforming_strings") })
    expect(await customersNamed("scs@caladan.io")).toEqual([])

    await client.query("set standard_conforming_strings = on")
    const taken = await client.query("insert into stripe.customers (email, name) values ('scs@caladan.io', E'a\\nb') returning name")
    expect(taken.rows).toEqual([{ name: "a\nb" }])
    expect((await customersNamed("scs@caladan.io")).map((c) => c.name)).toEqual(["a\nb"])
  })
})

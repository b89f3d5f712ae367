import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { mayWrite, mayWriteBytes } from "../src/sql/WriteWords.js"

const bytesOf = (sql: string) => {
  const bytes = Buffer.from(sql, "utf8")
  return mayWriteBytes(bytes, 0, bytes.length)
}

/** SQL-ish text: the write words in any case, mixed with ASCII, punctuation and non-ASCII letters. */
const part = fc.tuple(
  fc.oneof(
    fc.constantFrom("insert", "update", "delete", "merge", "copy", "truncate", "alter", "select", "into", "stripe.customers", " ", ";", "--", "/*", "*/", "'", "ſ", "İ", "é", "€"),
    fc.string({ maxLength: 4 }),
    fc.string({ unit: "binary", maxLength: 2 })
  ),
  fc.boolean()
).map(([text, upper]) => (upper ? text.toUpperCase() : text))
const sqlish = fc.array(part, { maxLength: 12 }).map((parts) => parts.join(""))

describe("write words", () => {
  it("a plain read has none of them, a write always has one", () => {
    expect(bytesOf("SELECT abalance FROM pgbench_accounts WHERE aid = 12345;")).toBe(false)
    for (const sql of ["INSERT INTO stripe.customers", "with x as (UpDaTe stripe.customers set name = 'a') select 1", "select 1; delete from t", "MERGE into t", "Copy t from stdin", "truncate t", "ALTER ROLE current_user PASSWORD 'x'"]) {
      expect(bytesOf(sql)).toBe(true)
      expect(mayWrite(sql)).toBe(true)
    }
  })

  it("the byte test answers as the string test does, for any text", () => {
    fc.assert(fc.property(sqlish, (sql) => {
      expect(bytesOf(sql)).toBe(mayWrite(sql))
    }), { numRuns: 2000 })
  })

  it("looks only inside the range it is given", () => {
    const bytes = Buffer.from("insert select 1 delete")
    expect(mayWriteBytes(bytes, 6, 16)).toBe(false)
    expect(mayWriteBytes(bytes, 0, 6)).toBe(true)
    expect(mayWriteBytes(bytes, 0, 5)).toBe(false)
    expect(mayWriteBytes(bytes, 16, bytes.length)).toBe(true)
  })
})

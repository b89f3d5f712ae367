import { Collection } from "@tributary/core"
import { beforeAll, describe, expect, it } from "vitest"
import * as Classify from "../src/sql/Classify.js"
import * as SyncedTables from "../src/sql/SyncedTables.js"

const customers: SyncedTables.SyncedTable = {
  collection: Collection.make("stripe", "customer"),
  schema: "stripe",
  table: "customers",
  writable: new Map([
    ["email", { name: "email", type: "text", path: ["email"] }],
    ["name", { name: "name", type: "text", path: ["name"] }],
    ["balance", { name: "balance", type: "bigint", path: ["balance"] }]
  ]),
  computed: new Set(["delinquent"])
}

let classifier: Classify.Classifier
beforeAll(async () => {
  await Classify.load()
  classifier = Classify.make(SyncedTables.make([customers]))
})

const write = (sql: string) => {
  const verdict = classifier.verdict(sql)
  if (verdict.kind !== "write") throw new Error(`expected a write, got ${JSON.stringify(verdict)}`)
  return verdict.write
}

const refusal = (sql: string) => {
  const verdict = classifier.verdict(sql)
  if (verdict.kind !== "refuse") throw new Error(`expected a refusal, got ${verdict.kind}`)
  return verdict.report
}

describe("classification", () => {
  it("passes reads and writes to other tables without parsing them apart", () => {
    expect(classifier.verdict("select * from stripe.customers where id = $1").kind).toBe("pass")
    expect(classifier.verdict("insert into public.notes (body) values ('x')").kind).toBe("pass")
    expect(classifier.verdict("select 1 for update").kind).toBe("pass")
    expect(classifier.verdict("selec 1 from stripe.customers where update").kind).toBe("pass")
  })

  it("passes a plain read on its bytes alone, and never a text that may write", () => {
    const passes = (sql: string) => {
      const bytes = Buffer.from(`Q....${sql}\0`)
      return classifier.certainlyPasses(bytes, 5, bytes.length - 1)
    }
    expect(passes("SELECT abalance FROM pgbench_accounts WHERE aid = 4242;")).toBe(true)
    for (const sql of [
      "insert into stripe.customers (email) values ('a')",
      "with made as (insert into stripe.customers (email) values ('a') returning id) select * from made",
      "select 1; DELETE FROM stripe.customers where id = 'x'",
      "select 1 for update"
    ]) {
      expect(passes(sql)).toBe(false)
    }
    // What may write is decided by the parser, as before.
    expect(classifier.verdict("with made as (insert into stripe.customers (email) values ('a') returning id) select * from made").kind).toBe("refuse")
    expect(classifier.verdict("select 1; DELETE FROM stripe.customers where id = 'x'").kind).toBe("split")
  })

  it("takes an insert apart into columns, the rows' source and RETURNING", () => {
    const plan = write("INSERT INTO stripe.customers (email, name) VALUES ($1, 'Paul'), ($2, upper('x')) RETURNING id, email")
    expect(plan.action).toBe("insert")
    if (plan.action !== "insert") return
    expect(plan.columns.map((c) => c.name)).toEqual(["email", "name"])
    expect(plan.source).toBe("VALUES ($1, 'Paul'), ($2, upper('x'))")
    expect(plan.returning).toBe("id, email")
    expect(plan.parameterCount).toBe(2)
    expect(plan.relation.from).toBe("\"stripe\".\"customers\"")
  })

  it("keeps ON CONFLICT DO NOTHING out of the source", () => {
    const plan = write("insert into stripe.customers (email) values ('a@b.co') on conflict do nothing")
    expect(plan.action === "insert" && plan.source).toBe("values ('a@b.co')")
  })

  it("takes an update apart into assignments, FROM and WHERE", () => {
    const plan = write("update stripe.customers c set email = lower($1), balance = c.balance + 1 where c.name = 'x' and (c.email like '%@x.co') returning c.id")
    if (plan.action !== "update") throw new Error("not an update")
    expect(plan.assignments.map((a) => [a.column.name, a.expression])).toEqual([["email", "lower($1)"], ["balance", "c.balance + 1"]])
    expect(plan.where).toBe("c.name = 'x' and (c.email like '%@x.co')")
    expect(plan.relation.ref).toBe("\"c\"")
    expect(plan.returning).toBe("c.id")
  })

  it("takes a delete apart into USING and WHERE", () => {
    const plan = write("delete from stripe.customers using public.gone g where customers.email = g.email")
    if (plan.action !== "delete") throw new Error("not a delete")
    expect(plan.using).toBe("public.gone g")
    expect(plan.where).toBe("customers.email = g.email")
  })

  it("refuses upserts, MERGE, COPY into and TRUNCATE with 0A000 and what to do instead", () => {
    const upsert = refusal("insert into stripe.customers (email) values ('a') on conflict (id) do update set email = excluded.email")
    expect(upsert.code).toBe("0A000")
    expect(upsert.hint).toMatch(/ON CONFLICT DO NOTHING, then UPDATE/)
    expect(refusal("merge into stripe.customers c using x on c.id = x.id when matched then delete").code).toBe("0A000")
    expect(refusal("copy stripe.customers from stdin").code).toBe("0A000")
    expect(classifier.verdict("copy stripe.customers to stdout").kind).toBe("pass")
    expect(refusal("truncate stripe.customers").code).toBe("0A000")
    expect(refusal("with x as (delete from stripe.customers returning id) select * from x").code).toBe("0A000")
  })

  it("refuses ALTER ROLE of the shared client role with 42501, and passes other ALTERs", () => {
    for (const sql of ["alter role current_user password 'x'", "ALTER USER \"client\" SET statement_timeout = '1ms'", "alter group g add user u", "alter role all reset all"]) {
      expect(refusal(sql).code).toBe("42501")
    }
    expect(classifier.verdict("alter table public.notes add column n int").kind).toBe("pass")
    expect(classifier.verdict("alter user mapping for current_user server s options (set user 'x')").kind).toBe("pass")
  })

  it("says what to use instead of a write inside SQL PREPARE or EXPLAIN", () => {
    const prepared = refusal("prepare p (text) as insert into stripe.customers (email) values ($1)")
    expect(prepared.code).toBe("0A000")
    expect(prepared.hint).toMatch(/driver's prepared statements/)
    const explained = refusal("explain update stripe.customers set name = 'x' where email = 'a'")
    expect(explained.code).toBe("0A000")
    expect(explained.hint).toMatch(/EXPLAIN a SELECT with the same WHERE/)
    expect(refusal("with x as (delete from stripe.customers returning id) select * from x").hint).toMatch(/not inside a WITH clause/)
  })

  it("names a column the API cannot set", () => {
    const id = refusal("insert into stripe.customers (id, email) values ('x', 'y')")
    expect(id.code).toBe("42501")
    expect(id.column).toBe("id")
    const computed = refusal("update stripe.customers set delinquent = true where true")
    expect(computed.code).toBe("0A000")
    expect(computed.column).toBe("delinquent")
    expect(computed.message).toContain("computed by stripe")
    const unknown = refusal("update stripe.customers set colour = 'red' where true")
    expect(unknown.code).toBe("0A000")
    expect(unknown.column).toBe("colour")
    // The hint lists what a write may set: not the columns Stripe computes.
    expect(unknown.hint).toBe("Writable columns of stripe.customers: email, name, balance.")
  })

  it("splits a multi-statement query that writes", () => {
    const verdict = classifier.verdict("begin; insert into stripe.customers (email) values ('a'); select 1")
    expect(verdict.kind).toBe("split")
    if (verdict.kind !== "split") return
    expect(verdict.statements.map((s) => [s.sql, s.verdict.kind])).toEqual([
      ["begin", "pass"],
      ["insert into stripe.customers (email) values ('a')", "write"],
      ["select 1", "pass"]
    ])
  })

  it("marks the statements of a split query that begin or end a transaction block, or work only in one", () => {
    const verdict = classifier.verdict(
      "begin; start transaction read only; insert into stripe.customers (email) values ('a'); commit; end; rollback; abort; " +
      "savepoint s; release s; rollback to s; commit and chain; rollback and chain; prepare transaction 'p'; vacuum"
    )
    if (verdict.kind !== "split") throw new Error(`expected split, got ${verdict.kind}`)
    expect(verdict.statements.map((s) => s.control)).toEqual([
      "begin", "begin", undefined, "commit", "commit", "rollback", "rollback",
      "blockOnly", "blockOnly", "blockOnly", "blockOnly", "blockOnly", undefined, undefined
    ])
  })

  it("leaves a write to an unqualified synced table's name to be resolved, then decides it by the schema found", () => {
    const unresolved = classifier.verdict("update customers set email = $1 where email = $2")
    if (unresolved.kind !== "resolve") throw new Error(`expected resolve, got ${unresolved.kind}`)
    expect(unresolved.names).toEqual(["customers"])
    const resolved = unresolved.resolved(new Map([["customers", "stripe"]]))
    expect(resolved.kind === "write" && resolved.write.relation.from).toBe("\"stripe\".\"customers\"")
    expect(unresolved.resolved(new Map([["customers", "public"]])).kind).toBe("pass")
    expect(unresolved.resolved(new Map()).kind).toBe("pass")
    expect(unresolved.resolved(new Map([["customers", "stripe"]]))).toBe(resolved)
    const nested = classifier.verdict("with x as (delete from customers returning id) select * from x")
    expect(nested.kind === "resolve" && nested.resolved(new Map([["customers", "stripe"]])).kind).toBe("refuse")
    // Names no synced table has, and reads, need nothing resolved.
    expect(classifier.verdict("insert into notes (body) values ('x')").kind).toBe("pass")
    expect(classifier.verdict("copy customers to stdout").kind).toBe("pass")
    expect(classifier.verdict("insert into pg_temp.customers (email) values ('x')").kind).toBe("pass")
    const split = classifier.verdict("set search_path = stripe; insert into customers (email) values ('a')")
    expect(split.kind === "split" && split.statements.map((st) => st.verdict.kind)).toEqual(["pass", "resolve"])
  })

  it("caches by SQL text", () => {
    const sql = "delete from stripe.customers where email = $1"
    expect(classifier.verdict(sql)).toBe(classifier.verdict(sql))
  })
})

import { Database } from "@tributary/core"
import { Fixtures } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { sql } from "kysely"

type Tables = {
  readonly "roundtrip.notes": { readonly id: number; readonly body: string; readonly meta: unknown }
}

const freshDatabase = Layer.unwrapEffect(
  Effect.promise(() => Fixtures.freshDatabase()).pipe(
    Effect.map((url) => Database.layer(Fixtures.postgresSettings(url)))
  )
)

describe("Database", () => {
  it.scoped("round-trips rows through kysely", () =>
    Effect.gen(function*() {
      const db = (yield* Database.Database).kysely.withTables<Tables>()
      yield* Effect.promise(() => sql`create schema roundtrip`.execute(db))
      yield* Effect.promise(() => sql`create table roundtrip.notes (id int primary key, body text, meta jsonb)`.execute(db))
      yield* Effect.promise(() =>
        db.insertInto("roundtrip.notes").values([
          { id: 1, body: "first", meta: JSON.stringify({ tags: ["a"] }) },
          { id: 2, body: "ünïcode ✓", meta: JSON.stringify(null) }
        ]).execute()
      )
      const rows = yield* Effect.promise(() => db.selectFrom("roundtrip.notes").selectAll().orderBy("id").execute())
      expect(rows).toStrictEqual([
        { id: 1, body: "first", meta: { tags: ["a"] } },
        { id: 2, body: "ünïcode ✓", meta: null }
      ])
    }).pipe(Effect.provide(freshDatabase)))

  it.scoped("turns a Postgres error into a DatabaseError carrying its SQLSTATE", () =>
    Effect.gen(function*() {
      const { pool } = yield* Database.Database
      const error = yield* Effect.flip(Database.tryDatabase("select", () => pool.query("select * from nowhere")))
      expect(error._tag).toBe("DatabaseError")
      expect(error.sqlstate).toBe("42P01")
    }).pipe(Effect.provide(freshDatabase)))

  it.scoped("keeps Postgres' DETAIL and HINT, which often say more than the message", () =>
    Effect.gen(function*() {
      const { pool } = yield* Database.Database
      const nul = yield* Effect.flip(Database.tryDatabase("cast", () => pool.query(`select '{"a": "\\u0000"}'::jsonb ->> 'a'`)))
      expect(nul.sqlstate).toBe("22P05")
      expect(nul.postgresDetail).toBe("\\u0000 cannot be converted to text.")
      expect(nul.message).toBe(
        "Postgres cast failed (22P05): unsupported Unicode escape sequence; DETAIL: \\u0000 cannot be converted to text.")
      const unknown = yield* Effect.flip(Database.tryDatabase("call", () => pool.query("select no_such_function(1)")))
      expect(unknown.sqlstate).toBe("42883")
      expect(unknown.hint).toMatch(/explicit type casts/)
      expect(unknown.message).toMatch(/^Postgres call failed \(42883\): function no_such_function\(integer\) does not exist; HINT: .*explicit type casts/)
    }).pipe(Effect.provide(freshDatabase)))

  it.scoped("a checked-out client whose server goes away between queries does not end the process: its next query fails", () =>
    Effect.gen(function*() {
      const { pool } = yield* Database.Database
      const uncaught: Array<unknown> = []
      const record = (error: unknown) => uncaught.push(error)
      process.on("uncaughtException", record)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.off("uncaughtException", record)))
      const held = yield* Effect.promise(() => pool.connect())
      const pid = (yield* Effect.promise(() => held.query<{ pid: number }>("select pg_backend_pid() as pid"))).rows[0]!.pid
      // Postgres' FATAL 57P01 reaches the held client while no query of its own is running.
      const ended = new Promise<void>((resolve) => held.once("end", () => resolve()))
      const terminated = yield* Effect.promise(() => pool.query("select pg_terminate_backend($1) as done", [pid]))
      expect(terminated.rows).toEqual([{ done: true }])
      yield* Effect.promise(() => ended)
      const failed = yield* Effect.promise(() => held.query("select 1").then(() => undefined, (error: Error) => error))
      expect(failed?.message).toMatch(/not queryable/)
      held.release(failed)
      expect(uncaught).toEqual([])
      // The pool goes on with a fresh connection.
      expect((yield* Effect.promise(() => pool.query("select 1 as one"))).rows).toEqual([{ one: 1 }])
    }).pipe(Effect.provide(freshDatabase)))
})

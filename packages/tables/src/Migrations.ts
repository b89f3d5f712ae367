/**
 * Idempotent DDL for managed tables, each step recorded in `tributary.migrations`.
 * A step runs once per database: a new collection creates its table, a new typed
 * column is added and filled from `data`, so no row is lost or left behind. Replicas
 * starting together serialize on an advisory lock instead of racing on the catalog.
 */
import { Database } from "@tributary/core"
import type { Errors } from "@tributary/core"
import { Effect } from "effect"
import type pg from "pg"
import { extract } from "./Columns.js"
import * as TableName from "./TableName.js"
import type { Managed } from "./Target.js"

export const META_SCHEMA = "tributary"
export const MIGRATIONS_TABLE = `${META_SCHEMA}.migrations`
export const TOMBSTONES_TABLE = `${META_SCHEMA}.tombstones`

/** Any constant both sides agree on: the key of the advisory lock that serializes migrations. */
const MIGRATION_LOCK = 7_262_915_001

export interface Migration {
  readonly id: string
  readonly statements: ReadonlyArray<string>
}

const bootstrap = [
  `create schema if not exists ${META_SCHEMA}`,
  `create table if not exists ${MIGRATIONS_TABLE} (
    id text primary key,
    applied_at timestamptz not null default now(),
    statements text not null
  )`,
  // A hard-deleted record leaves its id and version here, so a late, older update of it
  // cannot bring the row back.
  `create table if not exists ${TOMBSTONES_TABLE} (
    id uuid primary key,
    updated_idx bigint not null,
    deleted_at timestamptz not null default now()
  )`
]

const STANDARD_INDEXES = ["upstream_id", "sync_id", "sync_external_id"]

export const forManaged = (target: Managed): ReadonlyArray<Migration> => {
  const name = TableName.toSql(target.name)
  const prefix = TableName.toText(target.name)
  const index = (column: string): Migration => ({
    id: `${prefix}/index/${column}`,
    statements: [
      `create index if not exists ${TableName.quoteIdent(TableName.indexName(target.name, column))} ` +
      `on ${name} (${TableName.quoteIdent(column)})`
    ]
  })
  return [
    { id: `schema/${target.name.schema}`, statements: [`create schema if not exists ${TableName.quoteIdent(target.name.schema)}`] },
    {
      id: `${prefix}/table`,
      statements: [`create table if not exists ${name} (
        id uuid primary key,
        upstream_id text not null,
        deleted boolean not null default false,
        updated_idx bigint not null,
        sync_id text not null,
        sync_external_id text,
        sync_metadata jsonb not null default '{}',
        upstream_created_at timestamptz,
        upstream_updated_at timestamptz,
        data jsonb not null
      )`]
    },
    ...STANDARD_INDEXES.map(index),
    ...target.columns.flatMap((column) => {
      const quoted = TableName.quoteIdent(column.name)
      const added: Migration = {
        id: `${prefix}/column/${column.name}`,
        statements: [
          `alter table ${name} add column if not exists ${quoted} ${column.type}`,
          // Rows written before the column existed get their value from data.
          `update ${name} set ${quoted} = ${extract(column, "data")} where ${quoted} is null`
        ]
      }
      return column.reference ? [added, index(column.name)] : [added]
    })
  ]
}

const appliedIds = (client: pg.ClientBase, ids: ReadonlyArray<string>) =>
  Database.tryDatabase("read migrations", () =>
    client.query<{ id: string }>(`select id from ${MIGRATIONS_TABLE} where id = any($1::text[])`, [ids]))
    .pipe(Effect.map((result) => new Set(result.rows.map((row) => row.id))))

/**
 * Apply the steps not yet recorded; returns the ids applied. Runs its own transaction,
 * so `client` must not be inside one.
 */
export const run = (
  client: pg.ClientBase,
  steps: ReadonlyArray<Migration>
): Effect.Effect<ReadonlyArray<string>, Errors.DatabaseError> =>
  Effect.gen(function*() {
    // Tables of one source share their schema step.
    const migrations = [...new Map(steps.map((m) => [m.id, m])).values()]
    const ids = migrations.map((m) => m.id)
    const known = yield* appliedIds(client, ids).pipe(
      Effect.catchIf((error) => error.sqlstate === "42P01" || error.sqlstate === "3F000", () => Effect.succeed(undefined))
    )
    if (known !== undefined && ids.every((id) => known.has(id))) return []
    const query = (operation: string, text: string, values?: ReadonlyArray<unknown>) =>
      Database.tryDatabase(operation, () => client.query(text, values === undefined ? undefined : [...values]))
    const migrate = Effect.gen(function*() {
      yield* query("lock migrations", "select pg_advisory_xact_lock($1)", [MIGRATION_LOCK])
      // Once it is our turn: a DDL lock queued behind a long transaction would stall every writer behind it.
      yield* query("set lock timeout", "set local lock_timeout = '10s'")
      for (const statement of bootstrap) yield* query("create Tributary's own tables", statement)
      const applied = yield* appliedIds(client, ids)
      const done: Array<string> = []
      for (const migration of migrations) {
        if (applied.has(migration.id)) continue
        for (const statement of migration.statements) yield* query(`migration ${migration.id}`, statement)
        yield* query("record migration", `insert into ${MIGRATIONS_TABLE} (id, statements) values ($1, $2)`,
          [migration.id, migration.statements.join(";\n")])
        done.push(migration.id)
      }
      return done
    })
    yield* query("begin migrations", "begin")
    return yield* migrate.pipe(
      Effect.tap(() => query("commit migrations", "commit")),
      Effect.tapError(() => Effect.ignore(query("roll back migrations", "rollback")))
    )
  })

/** Tributary's own tables (migrations, tombstones), for tables that need no migration of their own. */
export const bootstrapOnly = (client: pg.ClientBase) => run(client, [])

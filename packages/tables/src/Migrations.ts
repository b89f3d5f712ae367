/**
 * Idempotent DDL for managed tables, each step recorded in `tributary.migrations`.
 * A step runs once per database: a new collection creates its table, a new typed
 * column is added and filled from `data`, so no row is lost or left behind. Replicas
 * starting together serialize on an advisory lock instead of racing on the catalog.
 *
 * A record says a step ran, not that what it made is still there: someone may drop a
 * typed column or a table by hand. So a step counts as applied only while the catalog
 * still has what it creates; otherwise it runs again (its DDL is idempotent, and a column
 * is refilled from `data` in the same transaction). This costs one catalog query per
 * `run`, which the callers make once per collection and process, and again only after a
 * write found something missing (see `Tables`).
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

/** What a step makes, looked up in the catalog to tell whether the step still holds. */
export type Creates =
  | { readonly _tag: "Schema"; readonly schema: string }
  /** A table or an index, by its quoted, qualified name (as `to_regclass` reads it). */
  | { readonly _tag: "Relation"; readonly relation: string }
  | { readonly _tag: "Column"; readonly relation: string; readonly column: string }

export interface Migration {
  readonly id: string
  readonly statements: ReadonlyArray<string>
  readonly creates: Creates
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
  const index = (column: string): Migration => {
    const indexName = TableName.quoteIdent(TableName.indexName(target.name, column))
    return {
      id: `${prefix}/index/${column}`,
      statements: [`create index if not exists ${indexName} on ${name} (${TableName.quoteIdent(column)})`],
      creates: { _tag: "Relation", relation: `${TableName.quoteIdent(target.name.schema)}.${indexName}` }
    }
  }
  return [
    {
      id: `schema/${target.name.schema}`,
      statements: [`create schema if not exists ${TableName.quoteIdent(target.name.schema)}`],
      creates: { _tag: "Schema", schema: TableName.quoteIdent(target.name.schema) }
    },
    {
      id: `${prefix}/table`,
      creates: { _tag: "Relation", relation: name },
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
        ],
        creates: { _tag: "Column", relation: name, column: column.name }
      }
      return column.reference ? [added, index(column.name)] : [added]
    })
  ]
}

interface Holding {
  /** Steps recorded whose object the catalog still has. */
  readonly applied: ReadonlySet<string>
  /** Steps recorded, whether or not their object is still there. */
  readonly recorded: ReadonlySet<string>
  /** Tributary's own tables are all there (the tombstones may be dropped alone). */
  readonly ownTables: boolean
}

/** Which steps are recorded and still hold, in one query of the migrations and the catalog. */
const holding = (client: pg.ClientBase, migrations: ReadonlyArray<Migration>) =>
  Database.tryDatabase("read migrations", () =>
    client.query<{ id: string; holds: boolean; own_tables: boolean }>(
      `select r.id,
              case m.kind
                when 'Schema' then to_regnamespace(m.name) is not null
                when 'Relation' then to_regclass(m.name) is not null
                else exists (select 1 from pg_attribute a
                              where a.attrelid = to_regclass(m.name) and a.attname = m.col
                                and a.attnum > 0 and not a.attisdropped)
              end as holds,
              to_regclass('${TOMBSTONES_TABLE}') is not null as own_tables
         from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as m (id, kind, name, col)
         left join ${MIGRATIONS_TABLE} r on r.id = m.id
        union all
       select null, false, to_regclass('${TOMBSTONES_TABLE}') is not null`,
      [
        migrations.map((m) => m.id),
        migrations.map((m) => m.creates._tag),
        migrations.map((m) => m.creates._tag === "Schema" ? m.creates.schema : m.creates.relation),
        migrations.map((m) => m.creates._tag === "Column" ? m.creates.column : null)
      ]
    ))
    .pipe(Effect.map((result): Holding => {
      const recorded = result.rows.filter((row) => row.id !== null)
      return {
        recorded: new Set(recorded.map((row) => row.id)),
        applied: new Set(recorded.filter((row) => row.holds).map((row) => row.id)),
        ownTables: result.rows.every((row) => row.own_tables)
      }
    }))

/**
 * Apply the steps not yet recorded, or recorded but no longer holding (what they made was
 * dropped); returns the ids applied. Runs its own transaction,
 * so `client` must not be inside one.
 */
export const run = (
  client: pg.ClientBase,
  steps: ReadonlyArray<Migration>
): Effect.Effect<ReadonlyArray<string>, Errors.DatabaseError> =>
  Effect.gen(function*() {
    // Tables of one source share their schema step.
    const migrations = [...new Map(steps.map((m) => [m.id, m])).values()]
    const known = yield* holding(client, migrations).pipe(
      Effect.catchIf((error) => error.sqlstate === "42P01" || error.sqlstate === "3F000", () => Effect.succeed(undefined))
    )
    if (known !== undefined && known.ownTables && migrations.every((m) => known.applied.has(m.id))) return []
    const query = (operation: string, text: string, values?: ReadonlyArray<unknown>) =>
      Database.tryDatabase(operation, () => client.query(text, values === undefined ? undefined : [...values]))
    const migrate = Effect.gen(function*() {
      yield* query("lock migrations", "select pg_advisory_xact_lock($1)", [MIGRATION_LOCK])
      // Once it is our turn: a DDL lock queued behind a long transaction would stall every writer behind it.
      yield* query("set lock timeout", "set local lock_timeout = '10s'")
      for (const statement of bootstrap) yield* query("create Tributary's own tables", statement)
      // Read again under the lock: another replica may have just applied (or repaired) them.
      const { applied, recorded } = yield* holding(client, migrations)
      const pending = migrations.filter((m) => !applied.has(m.id))
      const gone = pending.filter((m) => recorded.has(m.id)).map((m) => m.id)
      if (gone.length > 0) {
        yield* Effect.logWarning(`migrations applied before, but what they made is gone (dropped by hand?); ` +
          `applying them again: ${gone.join(", ")}`)
      }
      const done: Array<string> = []
      for (const migration of pending) {
        for (const statement of migration.statements) yield* query(`migration ${migration.id}`, statement)
        yield* query("record migration",
          `insert into ${MIGRATIONS_TABLE} (id, statements) values ($1, $2)
           on conflict (id) do update set applied_at = now(), statements = excluded.statements`,
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

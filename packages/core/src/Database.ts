/**
 * The Postgres pool and its kysely view as a scoped Layer. The pool is ended on
 * release; an idle client that loses its server (Postgres restarting) is logged and
 * replaced rather than crashing the process, and so is a checked-out one (`guardCheckedOut`).
 */
import { Context, Effect, Layer, Redacted, Runtime } from "effect"
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import { DatabaseError } from "./Errors.js"
import type * as Settings from "./Settings.js"

export interface DatabaseClient {
  readonly pool: pg.Pool
  /** Untyped at the root: each package adds the tables it knows with `withTables<T>()`. */
  readonly kysely: Kysely<object>
}

export class Database extends Context.Tag("@tributary/core/Database")<Database, DatabaseClient>() {}

/** Present and not empty: pg leaves fields Postgres did not send undefined, but be sure. */
const given = (value: string | undefined): value is string => value !== undefined && value !== ""

/**
 * Convert a pg error once, here, keyed on its SQLSTATE. Postgres' DETAIL and HINT are kept:
 * the message alone often does not say which value or row is at fault.
 */
export const toDatabaseError = (operation: string) => (cause: unknown): DatabaseError => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  const answer = cause instanceof pg.DatabaseError ? cause : undefined
  return new DatabaseError({
    operation,
    ...(typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? { sqlstate: code } : {}),
    detail: cause instanceof Error ? cause.message : String(cause),
    ...(given(answer?.detail) ? { postgresDetail: answer.detail } : {}),
    ...(given(answer?.hint) ? { hint: answer.hint } : {})
  })
}

export const tryDatabase = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, DatabaseError> =>
  Effect.tryPromise({ try: run, catch: toDatabaseError(operation) })

const ignore = () => undefined

/**
 * pg-pool listens for `error` on a client only while it is idle. A client checked out
 * between queries (held across an API call, say) whose server goes away emits `error`
 * with no listener, which Node turns into an uncaught exception that ends the process.
 * Every client of the pool keeps a listener of its own from its first connect: the loss
 * is still seen, by the next query on that client, which fails, and the client is not
 * reused (pg-pool destroys a client that is no longer queryable when it is released).
 */
export const guardCheckedOut = (pool: pg.Pool): pg.Pool => pool.on("connect", (client) => client.on("error", ignore))

export const make = (settings: Settings.PostgresSettings, applicationName = "tributary") =>
  Effect.gen(function*() {
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new pg.Pool({
          connectionString: Redacted.value(settings.url),
          max: settings.poolSize,
          application_name: applicationName,
          connectionTimeoutMillis: 10_000
        })
      ),
      (pool) => Effect.promise(() => pool.end())
    )
    guardCheckedOut(pool)
    const runtime = yield* Effect.runtime<never>()
    pool.on("error", (error) => {
      Runtime.runFork(runtime)(Effect.logWarning("idle Postgres connection lost", toDatabaseError("idle")(error)))
    })
    const kysely = new Kysely<object>({ dialect: new PostgresDialect({ pool }) })
    return { pool, kysely } satisfies DatabaseClient
  })

export const layer = (settings: Settings.PostgresSettings, applicationName?: string) =>
  Layer.scoped(Database, make(settings, applicationName))

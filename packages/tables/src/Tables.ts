/**
 * Writing records into Postgres, for the sink and for the proxy alike:
 *
 *   const tables = Tables.make(pool, config)
 *   yield* tables.ensure([collection])                      // once; outside a transaction
 *   yield* tables.apply(client, records, { syncDeleteMode }) // inside the caller's transaction
 *
 * `apply` never opens or commits a transaction: the caller decides what else commits
 * with it (the sink: the whole batch; the proxy: the rows of an API write).
 */
import { createHash } from "node:crypto"
import { Record as CoreRecord } from "@tributary/core"
import type { Collection, Errors, Ids, SyncConfig } from "@tributary/core"
import { Context, Effect, Layer, Schema } from "effect"
import type pg from "pg"
import * as Connection from "./Connection.js"
import { isSchemaMissing } from "./Errors.js"
import type { TableMappingInvalid } from "./Errors.js"
import * as Mapping from "./Mapping.js"
import * as Migrations from "./Migrations.js"
import { MAX_VALUES_ROWS, strategies } from "./Staging.js"
import type { Published, RecordText, StrategyName } from "./Staging.js"
import * as Statements from "./Statements.js"
import * as TableName from "./TableName.js"
import * as Target from "./Target.js"
import type { TablesConfig } from "./TablesConfig.js"
import { Database } from "@tributary/core"

export interface ApplyOptions {
  /** The delete mode of a record's sync. A collection's `delete_mode` in TRIBUTARY_TABLES overrides it. */
  readonly syncDeleteMode: (sync: Ids.SyncId) => SyncConfig.DeleteMode
}

/**
 * A record still in its JSON encoding (text or UTF-8 bytes), with the sync, collection and
 * upstream id it was published under (its subject's record token, decoded): the body must
 * say the same.
 */
export interface EncodedRecord {
  readonly sync: Ids.SyncId
  readonly collection: Collection.CollectionId
  readonly upstreamId: string
  readonly json: RecordText
}

export interface Applied {
  /** Records given. */
  readonly records: number
  /** Rows inserted, updated or deleted; the rest were older than (or as old as) what the table holds. */
  readonly changed: number
}

export type ApplyError = Errors.DatabaseError | TableMappingInvalid

export interface TablesService {
  readonly config: TablesConfig
  readonly strategy: StrategyName
  /** The table of a collection, as configured. */
  readonly target: (collection: Collection.CollectionId) => Target.Target
  /** Create or migrate managed tables and check mapped ones. Remembered per process; uses its own connection. */
  readonly ensure: (collections: Iterable<Collection.CollectionId>) => Effect.Effect<void, ApplyError>
  /** The delete mode a record of this collection and sync is written with. */
  readonly deleteMode: (collection: Collection.CollectionId, sync: Ids.SyncId, options: ApplyOptions) => SyncConfig.DeleteMode
  /** Apply records with the versioned upsert on the caller's connection (call inside a transaction). */
  readonly apply: (client: pg.ClientBase, records: ReadonlyArray<CoreRecord.Record>, options: ApplyOptions) => Effect.Effect<Applied, ApplyError>
  /** The same for records in their JSON encoding (what RECORDS carries), without parsing them here. */
  readonly applyEncoded: (client: pg.ClientBase, records: ReadonlyArray<EncodedRecord>, options: ApplyOptions) => Effect.Effect<Applied, ApplyError>
  /**
   * Whether `apply` of these records runs a single statement, which Postgres makes atomic on
   * its own, so the caller needs no transaction block for it when nothing else commits with
   * it (the proxy's apply of one statement's rows then costs one round trip, not three). True
   * for records of one collection, already ensured, written in soft mode, by a strategy that
   * stages without a statement of its own in one chunk.
   */
  readonly appliesInOneStatement: (records: ReadonlyArray<EncodedRecord>, options: ApplyOptions) => boolean
}

export class Tables extends Context.Tag("@tributary/tables/Tables")<Tables, TablesService>() {}

const encodeRecord = Schema.encodeSync(CoreRecord.Record)

export interface MakeOptions {
  readonly strategy?: StrategyName
  /**
   * Run the writes as named prepared statements, one per statement text (table, delete
   * mode, strategy), so Postgres parses and plans each once per connection instead of for
   * every batch. Only on connections that keep a session's prepared statements (no
   * transaction-mode pooler in between): the proxy's owner pool, which applies one small
   * write at a time, where planning was most of the upsert's time.
   */
  readonly namedStatements?: boolean
}

/** The strategy `bench/sink.ts` measured fastest here (see docs/sink.md). */
export const DEFAULT_STRATEGY: StrategyName = "elements"

export const make = (pool: pg.Pool, config: TablesConfig, options: MakeOptions = {}): TablesService => {
  const strategy = options.strategy ?? DEFAULT_STRATEGY
  const stage = strategies[strategy]
  const named = options.namedStatements === true
  const names = new Map<string, string>()
  const nameOf = (text: string) => {
    let name = names.get(text)
    if (name === undefined) {
      name = `tributary_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`
      names.set(text, name)
    }
    return name
  }
  const prepared = new Map<Collection.CollectionId, Statements.Statements>()
  // A collection's target depends only on the configuration: resolved once, not for every record.
  const targets = new Map<Collection.CollectionId, Target.Target>()
  const target = (collection: Collection.CollectionId) => {
    let found = targets.get(collection)
    if (found === undefined) {
      found = Target.resolve(config, collection)
      targets.set(collection, found)
    }
    return found
  }

  const prepare = (client: pg.ClientBase, collections: ReadonlyArray<Collection.CollectionId>) =>
    Effect.gen(function*() {
      const targets = collections.map(target)
      const managed = targets.filter((t): t is Target.Managed => t._tag === "Managed")
      yield* Migrations.run(client, managed.flatMap(Migrations.forManaged))
      for (const t of targets) {
        prepared.set(t.collection, t._tag === "Managed"
          ? Statements.forManaged(t)
          : Statements.forMapped(t, yield* Mapping.inspect(client, t)))
      }
    })

  // Writers of one process wait for one migration instead of queueing on Postgres' lock.
  const oneAtATime = Effect.unsafeMakeSemaphore(1)
  const ensure = (collections: Iterable<Collection.CollectionId>): Effect.Effect<void, ApplyError> => {
    const wanted = [...new Set(collections)]
    if (wanted.every((c) => prepared.has(c))) return Effect.void
    return oneAtATime.withPermits(1)(Effect.suspend(() => {
      const missing = wanted.filter((c) => !prepared.has(c))
      if (missing.length === 0) return Effect.void
      return Connection.withClient(pool, (client) => prepare(client, missing))
    }))
  }

  const deleteMode = (collection: Collection.CollectionId, sync: Ids.SyncId, options: ApplyOptions) => {
    const statements = prepared.get(collection)
    if (statements !== undefined && !statements.canSoftDelete) return "hard"
    return target(collection).deleteMode ?? options.syncDeleteMode(sync)
  }

  const writeGroup = (
    client: pg.ClientBase,
    statements: Statements.Statements,
    mode: SyncConfig.DeleteMode,
    records: ReadonlyArray<Published>
  ) =>
    Effect.gen(function*() {
      const staged = yield* stage(client, records)
      const run = (operation: string, text: string) =>
        Database.tryDatabase(operation, () =>
          client.query(named ? { name: nameOf(text), text, values: [...staged.values] } : { text, values: [...staged.values] }))
          .pipe(Effect.map((result) => result.rowCount ?? 0))
      const table = TableName.toText(statements.target.name)
      if (mode === "soft") return yield* run(`upsert into ${table}`, statements.upsert(staged.source, "soft"))
      yield* run(`lock records of ${table}`, statements.lock(staged.source))
      const removed = yield* run(`delete from ${table}`, statements.remove(staged.source))
      return removed + (yield* run(`upsert into ${table}`, statements.upsert(staged.source, "hard")))
    })

  const appliesInOneStatement = (records: ReadonlyArray<EncodedRecord>, options: ApplyOptions) => {
    const collection = records[0]?.collection
    if (collection === undefined || !prepared.has(collection) || strategy === "copy") return false
    if (strategy === "values" && records.length > MAX_VALUES_ROWS) return false
    return records.every((r) => r.collection === collection && deleteMode(collection, r.sync, options) === "soft")
  }

  const applyEncoded = (client: pg.ClientBase, records: ReadonlyArray<EncodedRecord>, options: ApplyOptions) =>
    Effect.gen(function*() {
      const collections = [...new Set(records.map((r) => r.collection))]
      yield* ensure(collections)
      // One group per table and delete mode, written in a fixed order so concurrent writers lock alike.
      // Grouped without building a key per record: this runs for every record the sink writes.
      const groups = new Map<Statements.Statements, Partial<Record<SyncConfig.DeleteMode, Array<Published>>>>()
      for (const record of records) {
        const statements = prepared.get(record.collection)!
        const mode = deleteMode(record.collection, record.sync, options)
        let byMode = groups.get(statements)
        if (byMode === undefined) {
          byMode = {}
          groups.set(statements, byMode)
        }
        let group = byMode[mode]
        if (group === undefined) {
          group = []
          byMode[mode] = group
        }
        const { collection, json, sync, upstreamId } = record
        group.push({ sync, upstreamId, json, id: CoreRecord.recordIdFor(sync, collection, upstreamId) })
      }
      const ordered = [...groups].flatMap(([statements, byMode]) =>
        (["hard", "soft"] as const).flatMap((mode) => {
          const group = byMode[mode]
          const key = `${TableName.toText(statements.target.name)}\u0000${mode}`
          return group === undefined ? [] : [{ key, statements, mode, records: group }]
        })
      ).sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
      let changed = 0
      const chunk = strategy === "values" ? MAX_VALUES_ROWS : Number.POSITIVE_INFINITY
      for (const group of ordered) {
        for (let start = 0; start < group.records.length; start += chunk) {
          changed += yield* writeGroup(client, group.statements, group.mode, group.records.slice(start, start + chunk))
        }
      }
      return { records: records.length, changed }
    }).pipe(
      Effect.tapError((error) =>
        Effect.sync(() => {
          if (error._tag === "DatabaseError" && isSchemaMissing(error)) {
            for (const record of records) prepared.delete(record.collection)
          }
        })
      )
    )

  return {
    config,
    strategy,
    target,
    ensure,
    deleteMode,
    applyEncoded,
    appliesInOneStatement,
    apply: (client, records, options) =>
      applyEncoded(client, records.map((record) => ({
        sync: record.sync.id,
        collection: record.collection_id,
        upstreamId: record.upstream_id,
        json: JSON.stringify(encodeRecord(record))
      })), options)
  }
}

/** `Tables` from the process' Database and `TRIBUTARY_TABLES`. */
export const layer = (config: TablesConfig, options?: MakeOptions) =>
  Layer.effect(Tables, Effect.map(Database.Database, ({ pool }) => make(pool, config, options)))

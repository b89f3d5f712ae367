/**
 * Comparing Postgres with the expected state of one sync: per collection, the counts,
 * then every row missing from Postgres, every extra row (not upstream, or deleted
 * upstream but still live here), and every stale row (its `data` hash differs).
 */
import { Database } from "@tributary/core"
import type { Collection, Errors, Ids } from "@tributary/core"
import { Effect, Stream } from "effect"
import type pg from "pg"
import * as TableName from "../TableName.js"
import * as Target from "../Target.js"
import type { TablesConfig } from "../TablesConfig.js"
import type { ExpectedState, ExpectedStateUnavailable } from "./ExpectedState.js"
import * as Fingerprint from "./Fingerprint.js"

export interface CollectionReport {
  readonly collection: Collection.CollectionId
  readonly table: string
  readonly expected: number
  readonly actual: number
  readonly missing: ReadonlyArray<string>
  readonly extra: ReadonlyArray<string>
  readonly stale: ReadonlyArray<string>
}

export interface Report {
  readonly sync: Ids.SyncId
  readonly source: string
  readonly collections: ReadonlyArray<CollectionReport>
  /** Missing + extra + stale rows over every collection: 0 means an exact copy. */
  readonly differences: number
}

const PAGE = 5_000

/** How the rows of a sync are read from a table: which columns hold the upstream id, the data and so on. */
interface Reader {
  readonly table: string
  readonly upstreamId: string
  readonly data: string
  readonly sync: string | undefined
  readonly deleted: string | undefined
}

const readerFor = (target: Target.Target): Reader | undefined => {
  const q = TableName.quoteIdent
  if (target._tag === "Managed") {
    return { table: TableName.toSql(target.name), upstreamId: "upstream_id", data: "data", sync: "sync_id", deleted: "deleted" }
  }
  const column = (source: string) => target.columns.find((c) => c.source === source)?.column
  const upstreamId = column("upstream_id")
  const data = column("data")
  if (upstreamId === undefined || data === undefined) return undefined
  const sync = column("sync.id")
  const deleted = column("deleted")
  return {
    table: TableName.toSql(target.name),
    upstreamId: q(upstreamId),
    data: q(data),
    sync: sync === undefined ? undefined : q(sync),
    deleted: deleted === undefined ? undefined : q(deleted)
  }
}

/** `upstream_id → hash of data` for the live rows of one sync in one table. */
const actualRows = (client: pg.Pool, reader: Reader, sync: Ids.SyncId) =>
  Effect.gen(function*() {
    const rows = new Map<string, string>()
    const exists = yield* Database.tryDatabase("find table", () =>
      client.query<{ t: string | null }>("select to_regclass($1) as t", [reader.table]))
    if (exists.rows[0]?.t === null) return rows
    let after = ""
    for (;;) {
      const filters = [
        // Paged in byte order ("C"), the same order the comparison and the sort use.
        `${reader.upstreamId}::text collate "C" > $1`,
        ...(reader.sync === undefined ? [] : [`${reader.sync}::text = $2`]),
        ...(reader.deleted === undefined ? [] : [`not coalesce(${reader.deleted}, false)`])
      ]
      const page = yield* Database.tryDatabase(`read ${reader.table}`, () =>
        client.query<{ upstream_id: string; data: unknown }>(
          `select ${reader.upstreamId}::text as upstream_id, ${reader.data} as data from ${reader.table}
            where ${filters.join(" and ")} order by ${reader.upstreamId}::text collate "C" limit ${PAGE}`,
          reader.sync === undefined ? [after] : [after, sync]
        ))
      for (const row of page.rows) rows.set(row.upstream_id, Fingerprint.of(row.data))
      if (page.rows.length < PAGE) return rows
      after = page.rows[page.rows.length - 1]!.upstream_id
    }
  })

export const run = (
  pool: pg.Pool,
  config: TablesConfig,
  sync: Ids.SyncId,
  expected: ExpectedState
): Effect.Effect<Report, ExpectedStateUnavailable | Errors.DatabaseError> =>
  Effect.gen(function*() {
    const snapshot = yield* expected.read
    const wanted = new Map<Collection.CollectionId, Map<string, string>>(snapshot.collections.map((c) => [c, new Map()]))
    yield* Stream.runForEach(snapshot.rows, (row) =>
      Effect.sync(() => {
        const rows = wanted.get(row.collection) ?? new Map<string, string>()
        rows.set(row.upstreamId, Fingerprint.of(row.data))
        wanted.set(row.collection, rows)
      }))
    const collections: Array<CollectionReport> = []
    for (const [collection, expectedRows] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
      const target = Target.resolve(config, collection)
      const reader = readerFor(target)
      const table = TableName.toText(target.name)
      if (reader === undefined) {
        yield* Effect.logWarning(`${table} maps no column to upstream_id or data; it cannot be verified`)
        continue
      }
      const actual = yield* actualRows(pool, reader, sync)
      const missing: Array<string> = []
      const stale: Array<string> = []
      for (const [id, hash] of expectedRows) {
        const found = actual.get(id)
        if (found === undefined) missing.push(id)
        else if (found !== hash) stale.push(id)
      }
      const extra = [...actual.keys()].filter((id) => !expectedRows.has(id))
      collections.push({ collection, table, expected: expectedRows.size, actual: actual.size, missing, extra, stale })
    }
    const differences = collections.reduce((n, c) => n + c.missing.length + c.extra.length + c.stale.length, 0)
    return { sync, source: expected.description, collections, differences }
  })

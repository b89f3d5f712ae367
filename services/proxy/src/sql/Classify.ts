/**
 * Which statements the proxy must handle itself. Most SQL never reaches the parser: a
 * text with none of the words that can write (`insert`, `update`, `delete`, `merge`,
 * `copy`, `truncate`; see WriteWords) passes straight through, so does not fill the cache
 * either (pgbench sends a new text with every query). The rest is parsed with the real
 * Postgres parser (libpg-query) and the verdict is cached by SQL text.
 *
 * A statement Postgres cannot parse passes through too: upstream answers with the same
 * 42601 and the cursor position.
 */
import { loadModule, parseSync } from "libpg-query"
import type { Report } from "../wire/Backend.js"
import type { Verdict } from "../session/Writes.js"
import { planWrite } from "./Plan.js"
import type { SyncedTables } from "./SyncedTables.js"
import type { WritePlan } from "./WritePlan.js"
import { mayWrite, mayWriteBytes } from "./WriteWords.js"

/** Load the parser's WebAssembly once, before the first classification. */
export const load = (): Promise<void> => loadModule()

export interface Classifier {
  readonly verdict: (sql: string) => Verdict<WritePlan>
  /** True only when `verdict` of the text in `bytes[start, end)` is certainly a pass. */
  readonly certainlyPasses: (bytes: Uint8Array, start: number, end: number) => boolean
}

interface RangeVar {
  readonly schemaname?: string
  readonly relname: string
}

type Node = Readonly<Record<string, unknown>>

const refuse = (message: string, hint: string, table?: { schema: string; table: string }): Verdict<WritePlan> => ({
  kind: "refuse",
  report: {
    severity: "ERROR",
    code: "0A000",
    message,
    hint,
    ...(table === undefined ? {} : { schema: table.schema, table: table.table })
  } satisfies Report
})

export const make = (tables: SyncedTables, cacheSize = 10_000): Classifier => {
  const cache = new Map<string, Verdict<WritePlan>>()

  const synced = (relation: RangeVar | undefined) =>
    relation?.schemaname === undefined ? undefined : tables.find(relation.schemaname, relation.relname)

  /** A synced table written anywhere below the top level (a CTE, a rule-like nesting). */
  const nestedWrite = (node: unknown, top: boolean): RangeVar | undefined => {
    if (node === null || typeof node !== "object") return undefined
    if (Array.isArray(node)) {
      for (const item of node) {
        const found = nestedWrite(item, false)
        if (found !== undefined) return found
      }
      return undefined
    }
    for (const [key, value] of Object.entries(node as Node)) {
      if (!top && (key === "InsertStmt" || key === "UpdateStmt" || key === "DeleteStmt" || key === "MergeStmt")) {
        const relation = (value as { relation?: RangeVar }).relation
        if (synced(relation) !== undefined) return relation
      }
      const found = nestedWrite(value, false)
      if (found !== undefined) return found
    }
    return undefined
  }

  const classifyStatement = (stmt: Node, text: string): Verdict<WritePlan> => {
    const [kind] = Object.keys(stmt)
    const body = (kind === undefined ? {} : stmt[kind]) as Node
    const nested = nestedWrite(body, true)
    if (nested !== undefined) {
      return refuse(
        `writes to synced table ${nested.schemaname}.${nested.relname} must be a plain INSERT, UPDATE or DELETE statement`,
        "Run the write as a statement of its own, not inside a WITH clause or another statement."
      )
    }
    switch (kind) {
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt": {
        const table = synced(body.relation as RangeVar)
        return table === undefined ? { kind: "pass" } : planWrite(kind, body, table, text)
      }
      case "MergeStmt": {
        const table = synced(body.relation as RangeVar)
        if (table === undefined) return { kind: "pass" }
        return refuse(
          `MERGE into synced table ${table.schema}.${table.table} is not supported`,
          "A MERGE can need several API requests. Use INSERT for new rows and UPDATE for existing ones.",
          table
        )
      }
      case "CopyStmt": {
        const table = synced(body.relation as RangeVar)
        if (table === undefined || body.is_from !== true) return { kind: "pass" }
        return refuse(
          `COPY into synced table ${table.schema}.${table.table} is not supported`,
          "Writes go to the API first, one statement per API request: use INSERT … VALUES with at most the API's row limit per statement.",
          table
        )
      }
      case "TruncateStmt": {
        const relations = (body.relations as ReadonlyArray<{ RangeVar: RangeVar }> | undefined) ?? []
        const table = relations.map((r) => synced(r.RangeVar)).find((t) => t !== undefined)
        if (table === undefined) return { kind: "pass" }
        return refuse(
          `TRUNCATE of synced table ${table.schema}.${table.table} is not supported`,
          "Deletes go to the API first: use DELETE … WHERE in batches within the API's row limit.",
          table
        )
      }
      default:
        return { kind: "pass" }
    }
  }

  const classify = (sql: string): Verdict<WritePlan> => {
    let parsed: ReturnType<typeof parseSync>
    try {
      parsed = parseSync(sql)
    } catch {
      return { kind: "pass" }
    }
    const stmts = parsed.stmts ?? []
    const bytes = Buffer.from(sql, "utf8")
    const statements = stmts.map((s) => {
      const start = s.stmt_location ?? 0
      const end = s.stmt_len === undefined || s.stmt_len === 0 ? bytes.length : start + s.stmt_len
      const text = bytes.toString("utf8", start, end).trim()
      return { sql: text, verdict: classifyStatement((s.stmt ?? {}) as Node, text) }
    })
    if (statements.every((s) => s.verdict.kind === "pass")) return { kind: "pass" }
    if (statements.length === 1) return statements[0]!.verdict
    return { kind: "split", statements }
  }

  return {
    certainlyPasses: (bytes, start, end) => !mayWriteBytes(bytes, start, end),
    verdict: (sql) => {
      if (!mayWrite(sql)) return { kind: "pass" }
      const cached = cache.get(sql)
      if (cached !== undefined) return cached
      const verdict = classify(sql)
      if (cache.size >= cacheSize) cache.clear()
      cache.set(sql, verdict)
      return verdict
    }
  }
}

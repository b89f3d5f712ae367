/**
 * Which statements the proxy must handle itself. Most SQL never reaches the parser: a
 * text with none of the words that can write (`insert`, `update`, `delete`, `merge`,
 * `copy`, `truncate`, `alter`; see WriteWords) passes straight through, so does not fill the cache
 * either (pgbench sends a new text with every query). The rest is parsed with the real
 * Postgres parser (libpg-query) and the verdict is cached by SQL text.
 *
 * `ALTER ROLE` (and `ALTER USER`, `ALTER GROUP`) is refused whatever it names: every
 * session runs upstream as one client role, which Postgres lets change its own password
 * and session defaults, and the proxy logs every session and its reader connections in
 * with the password it was given. One credential's `ALTER ROLE current_user PASSWORD`
 * (psql 15's `\password` sends it) would lock every sync's sessions out.
 *
 * A statement Postgres cannot parse passes through too: upstream answers with the same
 * 42601 and the cursor position.
 *
 * A write to an unqualified name that some synced table has (`insert into customers`)
 * cannot be decided from the text: which table it is depends on the session's search_path
 * when it runs. Its verdict is "resolve", cached like any other; the relay asks the
 * session and the catalog, and the verdict for the schemas found is cached with it.
 */
import { loadModule, parseSync } from "libpg-query"
import type { Report } from "../wire/Backend.js"
import type { Verdict } from "../session/Writes.js"
import { planWrite } from "./Plan.js"
import type { SyncedTable, SyncedTables } from "./SyncedTables.js"
import { controlOf } from "./TransactionControl.js"
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

/** Where unqualified names resolved: name → schema. */
type Schemas = ReadonlyMap<string, string>
const NO_SCHEMAS: Schemas = new Map()

/** The relations a parse-tree node (`{ [key]: value }`) writes to: its target, or TRUNCATE's list. */
const writtenRelations = (key: string, value: Node): ReadonlyArray<RangeVar> => {
  switch (key) {
    case "InsertStmt":
    case "UpdateStmt":
    case "DeleteStmt":
    case "MergeStmt":
      return value.relation === undefined ? [] : [value.relation as RangeVar]
    case "CopyStmt":
      return value.relation === undefined || value.is_from !== true ? [] : [value.relation as RangeVar]
    case "TruncateStmt":
      return ((value.relations as ReadonlyArray<{ RangeVar: RangeVar }> | undefined) ?? []).map((r) => r.RangeVar)
    default:
      return []
  }
}

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

/** The shared client role's password and session defaults are the operator's, never a session's. */
const refuseRoleChange: Verdict<WritePlan> = {
  kind: "refuse",
  report: {
    severity: "ERROR",
    code: "42501",
    message: "permission denied to alter the role: every session of the proxy runs upstream as one shared role",
    hint: "A proxy credential's password is changed with `tributary proxy credentials rotate` (or the gateway's proxy-credentials route), not with ALTER ROLE or \\password; the upstream role's password and settings are for the operator to change on Postgres itself."
  } satisfies Report
}

/** What to do instead of a write nested in `kind`: SQL PREPARE and EXPLAIN have better answers than "run it alone". */
const nestedWriteHint = (kind: string | undefined): string => {
  switch (kind) {
    case "PrepareStmt":
      return "Use your driver's prepared statements instead (Parse, Bind and Execute of the extended protocol), which the proxy runs as API writes; SQL PREPARE of a write to a synced table is not."
    case "ExplainStmt":
      return "A write to a synced table is an API request, which has no plan. EXPLAIN a SELECT with the same WHERE clause to see how the rows it touches are found."
    default:
      return "Run the write as a statement of its own, not inside a WITH clause or another statement."
  }
}

export const make = (tables: SyncedTables, cacheSize = 10_000): Classifier => {
  const cache = new Map<string, Verdict<WritePlan>>()

  /** The synced table a relation names: by its own schema, or by the one its unqualified name resolved to. */
  const synced = (relation: RangeVar | undefined, schemas: Schemas) => {
    if (relation === undefined) return undefined
    const schema = relation.schemaname ?? schemas.get(relation.relname)
    return schema === undefined ? undefined : tables.find(schema, relation.relname)
  }

  /** A synced table written anywhere below the top level (a CTE, a rule-like nesting). */
  const nestedWrite = (node: unknown, top: boolean, schemas: Schemas): SyncedTable | undefined => {
    if (node === null || typeof node !== "object") return undefined
    if (Array.isArray(node)) {
      for (const item of node) {
        const found = nestedWrite(item, false, schemas)
        if (found !== undefined) return found
      }
      return undefined
    }
    for (const [key, value] of Object.entries(node as Node)) {
      if (!top) {
        for (const relation of writtenRelations(key, value as Node)) {
          const table = synced(relation, schemas)
          if (table !== undefined) return table
        }
      }
      const found = nestedWrite(value, false, schemas)
      if (found !== undefined) return found
    }
    return undefined
  }

  /** Unqualified names of synced tables that a statement writes to, at any depth. */
  const unqualifiedTargets = (node: unknown, found: Set<string>): Set<string> => {
    if (node === null || typeof node !== "object") return found
    for (const [key, value] of Object.entries(node as Node)) {
      for (const relation of writtenRelations(key, value as Node)) {
        if (relation.schemaname === undefined && tables.names.has(relation.relname)) found.add(relation.relname)
      }
      unqualifiedTargets(value, found)
    }
    return found
  }

  const classifyStatement = (stmt: Node, text: string, schemas: Schemas): Verdict<WritePlan> => {
    const [kind] = Object.keys(stmt)
    const body = (kind === undefined ? {} : stmt[kind]) as Node
    const nested = nestedWrite(body, true, schemas)
    if (nested !== undefined) {
      return refuse(
        `writes to synced table ${nested.schema}.${nested.table} must be a plain INSERT, UPDATE or DELETE statement`,
        nestedWriteHint(kind)
      )
    }
    switch (kind) {
      case "InsertStmt":
      case "UpdateStmt":
      case "DeleteStmt": {
        const table = synced(body.relation as RangeVar, schemas)
        return table === undefined ? { kind: "pass" } : planWrite(kind, body, table, text)
      }
      case "MergeStmt": {
        const table = synced(body.relation as RangeVar, schemas)
        if (table === undefined) return { kind: "pass" }
        return refuse(
          `MERGE into synced table ${table.schema}.${table.table} is not supported`,
          "A MERGE can need several API requests. Use INSERT for new rows and UPDATE for existing ones.",
          table
        )
      }
      case "CopyStmt": {
        const table = synced(body.relation as RangeVar, schemas)
        if (table === undefined || body.is_from !== true) return { kind: "pass" }
        return refuse(
          `COPY into synced table ${table.schema}.${table.table} is not supported`,
          "Writes go to the API first, one statement per API request: use INSERT … VALUES with at most the API's row limit per statement.",
          table
        )
      }
      case "TruncateStmt": {
        const relations = (body.relations as ReadonlyArray<{ RangeVar: RangeVar }> | undefined) ?? []
        const table = relations.map((r) => synced(r.RangeVar, schemas)).find((t) => t !== undefined)
        if (table === undefined) return { kind: "pass" }
        return refuse(
          `TRUNCATE of synced table ${table.schema}.${table.table} is not supported`,
          "Deletes go to the API first: use DELETE … WHERE in batches within the API's row limit.",
          table
        )
      }
      case "AlterRoleStmt":
      case "AlterRoleSetStmt":
        return refuseRoleChange
      default:
        return { kind: "pass" }
    }
  }

  /** A statement's verdict, or, when it writes to unqualified names of synced tables, how to decide it once they are resolved. */
  const verdictOf = (stmt: Node, text: string): Verdict<WritePlan> => {
    const names = [...unqualifiedTargets(stmt, new Set())]
    if (names.length === 0) return classifyStatement(stmt, text, NO_SCHEMAS)
    const decided = new Map<string, Verdict<WritePlan>>()
    return {
      kind: "resolve",
      names,
      resolved: (schemas) => {
        const key = names.map((name) => schemas.get(name) ?? "").join("\u0000")
        const cached = decided.get(key)
        if (cached !== undefined) return cached
        const verdict = classifyStatement(stmt, text, schemas)
        // One entry per combination of schemas the names were found in: a handful.
        if (decided.size >= 16) decided.clear()
        decided.set(key, verdict)
        return verdict
      }
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
      const stmt = (s.stmt ?? {}) as Node
      const control = controlOf(stmt)
      return { sql: text, verdict: verdictOf(stmt, text), ...(control === undefined ? {} : { control }) }
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

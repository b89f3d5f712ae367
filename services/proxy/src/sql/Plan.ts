/**
 * Taking an INSERT, UPDATE or DELETE on a synced table apart into a `WritePlan`, or
 * refusing it with what to do instead. Clause texts are cut from the statement with the
 * scanner (`Tokens.ts`) so the user's expressions run unchanged in Postgres.
 */
import type { Report } from "../wire/Backend.js"
import type { Verdict } from "../session/Writes.js"
import { STANDARD_COLUMNS } from "./SyncedTables.js"
import type { SyncedTable, WritableColumn } from "./SyncedTables.js"
import { Statement } from "./Tokens.js"
import type { Relation, WritePlan } from "./WritePlan.js"

type Node = Readonly<Record<string, unknown>>

interface ResTarget {
  readonly name?: string
  readonly indirection?: ReadonlyArray<unknown>
  readonly val?: Node
}

export const quote = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

const refusal = (code: string, message: string, hint: string | undefined, table: SyncedTable, column?: string): Verdict<WritePlan> => ({
  kind: "refuse",
  report: {
    severity: "ERROR",
    code,
    message,
    ...(hint === undefined ? {} : { hint }),
    schema: table.schema,
    table: table.table,
    ...(column === undefined ? {} : { column })
  } satisfies Report
})

const unsupported = (message: string, hint: string, table: SyncedTable) => refusal("0A000", message, hint, table)

/** A column the API sets, or one it cannot set: refused with the column named. */
const checkColumn = (table: SyncedTable, name: string): WritableColumn | Verdict<WritePlan> => {
  const writable = table.writable.get(name)
  if (writable !== undefined) return writable
  const qualified = `${table.schema}.${table.table}`
  if (STANDARD_COLUMNS.has(name)) {
    return refusal(
      "42501",
      `permission denied to set column "${name}" of synced table ${qualified}`,
      `"${name}" is set by Tributary from what the API returns. Leave it out of the statement.`,
      table,
      name
    )
  }
  if (table.computed.has(name)) {
    return refusal(
      "0A000",
      `column ${name} of ${qualified} is computed by ${table.schema} and cannot be written`,
      `Leave ${name} out: ${table.schema} sets it, and the row shows it after the write.`,
      table,
      name
    )
  }
  return refusal(
    "0A000",
    `column "${name}" of synced table ${qualified} cannot be written through the API`,
    `Writable columns of ${qualified}: ${[...table.writable.keys()].join(", ") || "none"}.`,
    table,
    name
  )
}

const relationOf = (body: Node, table: SyncedTable): Relation => {
  const alias = (body.relation as { alias?: { aliasname?: string } }).alias?.aliasname
  const from = `${quote(table.schema)}.${quote(table.table)}${alias === undefined ? "" : ` AS ${quote(alias)}`}`
  return { table, ref: quote(alias ?? table.table), from }
}

const returningOf = (statement: Statement): string | undefined => {
  const at = statement.find(["returning"])
  return at < 0 ? undefined : statement.text(at + 1)
}

/**
 * RETURNING's references to a table of FROM or USING, as written (`p.name`, `p.*`). The
 * proxy reads RETURNING back from the synced table alone after the apply, so Postgres
 * would answer them "missing FROM-clause entry". Subqueries are not looked into: their
 * own FROM names whatever it names.
 */
const foreignReferences = (body: Node, table: SyncedTable): ReadonlyArray<string> => {
  const alias = (body.relation as { alias?: { aliasname?: string } }).alias?.aliasname
  const own = (qualifier: ReadonlyArray<string>) =>
    alias === undefined
      ? qualifier.join(".") === table.table || qualifier.join(".") === `${table.schema}.${table.table}`
      : qualifier.length === 1 && qualifier[0] === alias
  const found: Array<string> = []
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (typeof node !== "object" || node === null) return
    for (const [key, value] of Object.entries(node)) {
      if (key === "SubLink") continue
      if (key === "ColumnRef") {
        const fields = ((value as { fields?: ReadonlyArray<Node> }).fields ?? [])
          .map((f) => ("String" in f ? (f.String as { sval: string }).sval : "*"))
        if (fields.length >= 2 && !own(fields.slice(0, -1))) found.push(fields.join("."))
        continue
      }
      walk(value)
    }
  }
  walk((body.returningClause as { exprs?: unknown } | undefined)?.exprs ?? body.returningList)
  return found
}

/** RETURNING that names a table of FROM/USING: refused, since only the synced table's row is read back. */
const returningFromList = (body: Node, table: SyncedTable, using: string | undefined): Verdict<WritePlan> | undefined => {
  if (using === undefined) return undefined
  const foreign = foreignReferences(body, table)
  if (foreign.length === 0) return undefined
  const qualified = `${table.schema}.${table.table}`
  return unsupported(
    `RETURNING ${foreign.join(", ")} is not supported on synced table ${qualified}: RETURNING can name only columns of ${qualified}`,
    `Return columns of ${qualified}, and read the other tables' columns with a SELECT after the write.`,
    table
  )
}

const isRefusal = (value: WritableColumn | Verdict<WritePlan>): value is Verdict<WritePlan> => "kind" in value

export const planWrite = (
  kind: "InsertStmt" | "UpdateStmt" | "DeleteStmt",
  body: Node,
  table: SyncedTable,
  text: string
): Verdict<WritePlan> => {
  const statement = new Statement(text)
  const relation = relationOf(body, table)
  const qualified = `${table.schema}.${table.table}`
  const returning = returningOf(statement)
  if (returning !== undefined && statement.usesParameters(statement.find(["returning"]))) {
    return unsupported(
      `RETURNING with parameters is not supported on synced table ${qualified}`,
      "Return columns of the table only.",
      table
    )
  }
  if (body.withClause !== undefined) {
    return unsupported(`WITH is not supported on writes to synced table ${qualified}`, "Compute the values first, then write.", table)
  }
  const common = { relation, returning, parameterCount: statement.parameterCount, statement: text }

  if (kind === "InsertStmt") {
    const conflict = body.onConflictClause as { action?: string } | undefined
    if (conflict?.action === "ONCONFLICT_UPDATE") {
      return unsupported(
        `INSERT … ON CONFLICT DO UPDATE is not supported on synced table ${qualified}`,
        "An upsert can need two API requests. Use INSERT … ON CONFLICT DO NOTHING, then UPDATE.",
        table
      )
    }
    if (body.override !== undefined && body.override !== "OVERRIDING_NOT_SET") {
      return unsupported(`OVERRIDING is not supported on synced table ${qualified}`, "Leave it out: the API sets the ids.", table)
    }
    const names = ((body.cols as ReadonlyArray<{ ResTarget: ResTarget }> | undefined) ?? []).map((c) => c.ResTarget)
    const select = (body.selectStmt as { SelectStmt?: Node } | undefined)?.SelectStmt
    if (names.length === 0 && select !== undefined) {
      return unsupported(
        `INSERT into synced table ${qualified} must name its columns`,
        `Write INSERT INTO ${qualified} (column, …) VALUES (…).`,
        table
      )
    }
    const columns: Array<WritableColumn> = []
    for (const target of names) {
      if ((target.indirection?.length ?? 0) > 0) {
        return unsupported(`assigning to part of a column is not supported on synced table ${qualified}`, "Set whole columns.", table)
      }
      const checked = checkColumn(table, target.name ?? "")
      if (isRefusal(checked)) return checked
      // Postgres refuses this at analysis; the proxy never sends the statement there.
      if (columns.includes(checked)) return refusal("42701", `column "${checked.name}" specified more than once`, "Name each column once.", table, checked.name)
      columns.push(checked)
    }
    if (JSON.stringify(select ?? {}).includes("\"SetToDefault\"")) {
      return unsupported(
        `DEFAULT in VALUES is not supported on synced table ${qualified}`,
        "Leave the column out of the column list instead: the API applies its own default.",
        table
      )
    }
    let source: string | undefined
    if (select !== undefined) {
      const open = statement.tokens.findIndex((t) => t.depth === 0 && t.text === "(")
      const close = statement.tokens.findIndex((t, i) => i > open && t.depth === 0 && t.text === ")")
      const end = [statement.find(["on"], close + 1), statement.find(["returning"], close + 1)].filter((i) => i >= 0)
      source = statement.text(close + 1, end.length === 0 ? undefined : Math.min(...end))
    }
    return { kind: "write", write: { action: "insert", ...common, columns, source } }
  }

  const whereAt = statement.find(["where"])
  if (whereAt >= 0 && statement.tokens[whereAt + 1]?.text === "current") {
    return unsupported(`WHERE CURRENT OF is not supported on synced table ${qualified}`, "Name the rows with a WHERE condition.", table)
  }
  const returningAt = statement.find(["returning"])
  const stop = returningAt < 0 ? undefined : returningAt
  const where = whereAt < 0 ? undefined : statement.text(whereAt + 1, stop)
  const clauseEnd = (from: number) => [whereAt, returningAt].filter((i) => i > from).reduce((a, b) => Math.min(a, b), statement.tokens.length)

  if (kind === "DeleteStmt") {
    const usingAt = statement.find(["using"])
    const using = usingAt < 0 ? undefined : statement.text(usingAt + 1, clauseEnd(usingAt))
    return returningFromList(body, table, using) ?? { kind: "write", write: { action: "delete", ...common, using, where } }
  }

  const targets = ((body.targetList as ReadonlyArray<{ ResTarget: ResTarget }> | undefined) ?? []).map((t) => t.ResTarget)
  if (targets.some((t) => t.val !== undefined && "MultiAssignRef" in t.val)) {
    return unsupported(`SET (a, b) = … is not supported on synced table ${qualified}`, "Assign each column on its own.", table)
  }
  const setAt = statement.find(["set"])
  const fromAt = statement.find(["from"], setAt + 1)
  const setEnd = [fromAt, whereAt, returningAt].filter((i) => i > setAt).reduce((a, b) => Math.min(a, b), statement.tokens.length)
  const pieces = statement.splitCommas(setAt + 1, setEnd)
  if (pieces.length !== targets.length) {
    return unsupported(`this UPDATE of synced table ${qualified} is too complex for the proxy`, "Assign each column as column = expression.", table)
  }
  const assignments: Array<{ column: WritableColumn; expression: string }> = []
  for (const [i, [from, to]] of pieces.entries()) {
    const target = targets[i]!
    if ((target.indirection?.length ?? 0) > 0) {
      return unsupported(`assigning to part of a column is not supported on synced table ${qualified}`, "Set whole columns.", table)
    }
    const checked = checkColumn(table, target.name ?? "")
    if (isRefusal(checked)) return checked
    if (assignments.some((a) => a.column === checked)) {
      return refusal("42601", `multiple assignments to same column "${checked.name}"`, "Assign each column once.", table, checked.name)
    }
    let eq = from
    while (eq < to && statement.tokens[eq]!.text !== "=") eq++
    if (statement.tokens[eq + 1]?.text.toLowerCase() === "default") {
      return unsupported(`SET … = DEFAULT is not supported on synced table ${qualified}`, "Set a value.", table)
    }
    assignments.push({ column: checked, expression: statement.text(eq + 1, to) })
  }
  const using = fromAt < 0 ? undefined : statement.text(fromAt + 1, clauseEnd(fromAt))
  return returningFromList(body, table, using) ?? { kind: "write", write: { action: "update", ...common, assignments, using, where } }
}

/**
 * The queries the proxy runs on its writer connection around an API write, built from
 * the user's own clause texts:
 *
 * - the rows an INSERT creates: its VALUES (or SELECT) evaluated as a subquery;
 * - the rows an UPDATE or DELETE touches: the same FROM/USING and WHERE over the table,
 *   with each SET expression evaluated per row;
 * - the RETURNING list, read back from the table after the apply.
 *
 * Values come back as JSON keyed by column, converted to what the API takes (timestamps
 * as Unix seconds, as the API sends them). Integers and decimals come back as their exact
 * decimal text: a JSON number would be parsed into a double, and 9007199254740993 would
 * reach the API as 9007199254740992, 1e400 as Infinity (the connector form-encodes every
 * value as text anyway).
 *
 * The queries run with the client's search_path (ReaderSessions), which may put a schema
 * of the user's own before `pg_catalog`: the proxy's own parts name the catalog's
 * functions, operators and types qualified (or by SQL keyword), so a `jsonb_build_object`
 * or `=` of the user's cannot stand in for them.
 */
import { quote } from "../sql/Plan.js"
import type { WritableColumn } from "../sql/SyncedTables.js"
import type { DeletePlan, InsertPlan, UpdatePlan } from "../sql/WritePlan.js"

/** The column types as the catalog names them; `bigint`, `numeric` and `boolean` are keywords, which the grammar qualifies. */
const CATALOG_TYPE: Record<WritableColumn["type"], string> = {
  text: "pg_catalog.text",
  bigint: "bigint",
  numeric: "numeric",
  boolean: "boolean",
  timestamptz: "pg_catalog.timestamptz"
}

const apiValue = (column: WritableColumn, expression: string): string => {
  switch (column.type) {
    case "timestamptz":
      // EXTRACT is grammar: pg_catalog's extract whatever the search_path.
      return `extract(epoch from (${expression})::pg_catalog.timestamptz)::bigint`
    case "bigint":
    case "numeric":
      return `((${expression})::${CATALOG_TYPE[column.type]})::pg_catalog.text`
    default:
      return `(${expression})::${CATALOG_TYPE[column.type]}`
  }
}

const valuesObject = (pairs: ReadonlyArray<readonly [WritableColumn, string]>): string =>
  pairs.length === 0
    ? "'{}'::pg_catalog.jsonb"
    : `pg_catalog.jsonb_build_object(${pairs.map(([column, expression]) => `'${column.name}', ${apiValue(column, expression)}`).join(", ")})`

/** One row per row to create, `values` keyed by column; at most `limit` rows are read. */
export const insertRows = (plan: InsertPlan, limit: number): string => {
  const columns = plan.columns.map((c) => quote(c.name)).join(", ")
  const pairs = plan.columns.map((c) => [c, `src.${quote(c.name)}`] as const)
  return `select ${valuesObject(pairs)} as values from (${plan.source}) as src(${columns}) limit ${limit}`
}

/**
 * The rows an UPDATE or DELETE touches (of every sync: a row of another sync is refused,
 * not silently skipped), with the new values of an UPDATE. Soft-deleted rows are gone
 * upstream, so they are not touched. Distinct by the row's own id (a join in FROM/USING
 * may repeat it): two syncs of one account hold the same upstream id in two rows, and
 * both must be seen so the other sync's is refused.
 */
export const targetRows = (plan: UpdatePlan | DeletePlan, limit: number): string => {
  const ref = plan.relation.ref
  const values = plan.action === "update"
    ? `, ${valuesObject(plan.assignments.map((a) => [a.column, a.expression] as const))} as values`
    : ""
  const from = plan.using === undefined ? plan.relation.from : `${plan.relation.from}, ${plan.using}`
  const where = plan.where === undefined ? "" : ` and (${plan.where})`
  return `select distinct on (${ref}.id) ${ref}.upstream_id, ${ref}.sync_id, ${ref}.data${values} ` +
    `from ${from} where not ${ref}.deleted${where} limit ${limit}`
}

/**
 * RETURNING, read back after the apply, in the order the API returned the rows. The
 * columns `senders` names a function for (those the client asked in binary) are read
 * through it, base64-encoded (see `Results`): the list is wrapped as a subquery whose
 * columns are named by position, so any list works (`*`, repeated names, expressions),
 * and its order is carried out of it as a column of its own.
 */
export const returning = (plan: InsertPlan | UpdatePlan | DeletePlan, list: string, senders: ReadonlyArray<string | undefined> = []): string => {
  const ref = plan.relation.ref
  const position = `pg_catalog.array_position($1::pg_catalog.uuid[], ${ref}.id)`
  const rows = `from ${plan.relation.from} where ${ref}.id operator(pg_catalog.=) any($1::pg_catalog.uuid[])`
  if (senders.every((sender) => sender === undefined)) return `select ${list} ${rows} order by ${position}`
  const columns = senders.map((_, i) => `c${i + 1}`)
  const outputs = senders.map((sender, i) =>
    sender === undefined ? `r.${columns[i]}` : `pg_catalog.encode(${sender}(r.${columns[i]}), 'base64')`)
  return `select ${outputs.join(", ")} from (select ${list}, ${position} ${rows}) as r(${columns.join(", ")}, row_position) ` +
    "order by r.row_position"
}

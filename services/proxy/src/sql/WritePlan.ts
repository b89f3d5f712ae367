/**
 * A write to a synced table, taken apart once per SQL text: what the proxy needs to
 * turn it into one API request and to answer like Postgres would.
 */
import type { SyncedTable, WritableColumn } from "./SyncedTables.js"

export interface Relation {
  readonly table: SyncedTable
  /** How the statement refers to the table (its alias, or the table name). */
  readonly ref: string
  /** `"stripe"."customers" AS "c"`, ready for a FROM clause. */
  readonly from: string
}

interface Common {
  readonly relation: Relation
  /** `RETURNING` list as written, or undefined. */
  readonly returning: string | undefined
  /** The highest `$n` in the statement. */
  readonly parameterCount: number
  /** The statement as written (prepared again when Postgres must say its parameters' types: `ParameterTypes`). */
  readonly statement: string
}

export interface InsertPlan extends Common {
  readonly action: "insert"
  readonly columns: ReadonlyArray<WritableColumn>
  /** The rows' source as written (`VALUES (…), (…)` or a SELECT); undefined for DEFAULT VALUES. */
  readonly source: string | undefined
}

export interface UpdatePlan extends Common {
  readonly action: "update"
  readonly assignments: ReadonlyArray<{ readonly column: WritableColumn; readonly expression: string }>
  /** `FROM …` list of an UPDATE, as written. */
  readonly using: string | undefined
  readonly where: string | undefined
}

export interface DeletePlan extends Common {
  readonly action: "delete"
  /** `USING …` list of a DELETE, as written. */
  readonly using: string | undefined
  readonly where: string | undefined
}

export type WritePlan = InsertPlan | UpdatePlan | DeletePlan

/**
 * How a failed write is treated, decided once here from its SQLSTATE: a record that
 * Postgres refuses (bad value, a user's constraint, a user's trigger) can never be
 * written, while anything else (connection lost, read-only, deadlock, shutdown) is
 * worth retrying with the same records.
 */
import type { Errors } from "@tributary/core"
import { Schema } from "effect"

const RECORD_CLASSES = ["21", "22", "23"]

/** Cardinality violation, data exception, integrity constraint violation, or a trigger's `raise exception`. */
export const isRecordError = (error: Errors.DatabaseError): boolean =>
  error.sqlstate !== undefined && (RECORD_CLASSES.includes(error.sqlstate.slice(0, 2)) || error.sqlstate === "P0001")

/** The table or a column is missing: someone dropped it, or a migration was rolled back. */
export const isSchemaMissing = (error: Errors.DatabaseError): boolean =>
  error.sqlstate === "42P01" || error.sqlstate === "42703" || error.sqlstate === "3F000"

/** A user-mapped table does not fit its mapping in `TRIBUTARY_TABLES`. */
export class TableMappingInvalid extends Schema.TaggedError<TableMappingInvalid>()("TableMappingInvalid", {
  collection: Schema.String,
  table: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `TRIBUTARY_TABLES maps ${this.collection} to ${this.table}, but ${this.detail}`
  }
}

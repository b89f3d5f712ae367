/**
 * How a failed write is treated, decided once here from its SQLSTATE: a record that
 * Postgres refuses (bad value, a user's constraint, a user's trigger) can never be
 * written, while anything else (connection lost, read-only, deadlock, shutdown) is
 * worth retrying with the same records.
 */
import type { Errors } from "@tributary/core"
import { Schema } from "effect"

const RECORD_CLASSES = ["21", "22", "23", "54"]

/**
 * Cardinality violation, data exception, integrity constraint violation, a trigger's
 * `raise exception`, or a program limit the record exceeds (a value too large for an index
 * entry, JSON nested deeper than Postgres parses).
 */
export const isRecordError = (error: Errors.DatabaseError): boolean =>
  error.sqlstate !== undefined && (RECORD_CLASSES.includes(error.sqlstate.slice(0, 2)) || error.sqlstate === "P0001")

/**
 * Creating or migrating a collection's table failed for a reason that retrying will not
 * change: the name clashes with a table of another shape (Tributary's own, a user's), a
 * view, or a reserved name (SQLSTATE class 42, and the record classes). Only the records of
 * that collection can never be written; a missing privilege (42501) is for an operator to
 * grant, so it is retried like an outage.
 */
export const isCollectionError = (error: Errors.DatabaseError): boolean =>
  error.sqlstate !== undefined && error.sqlstate !== "42501" && (error.sqlstate.startsWith("42") || isRecordError(error))

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

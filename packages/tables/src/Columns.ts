/**
 * Typed columns: fields of the upstream object copied out of `data` into columns of
 * their own, for the joins and filters people write (`customer`, `status`, `amount`,
 * `currency`, `email`). `data` always keeps the whole object; these are a convenience
 * and are recomputed from it when a new one is added to an existing table.
 */

export type ColumnType = "text" | "bigint" | "numeric" | "boolean" | "timestamptz"

export interface TypedColumn {
  readonly name: string
  readonly type: ColumnType
  /** Path into `data`. */
  readonly path: ReadonlyArray<string>
  /**
   * A foreign id: Stripe sends either the id (`"cus_123"`) or, when expanded, the
   * object (`{"id": "cus_123", …}`); the column holds the id either way and is indexed.
   */
  readonly reference: boolean
}

const column = (type: ColumnType) => (name: string, path: string = name): TypedColumn => ({
  name,
  type,
  path: path.split("."),
  reference: false
})

export const text = column("text")
export const bigint = column("bigint")
export const numeric = column("numeric")
export const boolean = column("boolean")
/** Unix seconds in `data`, a `timestamptz` in the table. */
export const timestamp = column("timestamptz")
export const reference = (name: string, path: string = name): TypedColumn => ({ ...text(name, path), reference: true })

const jsonPath = (path: ReadonlyArray<string>): string =>
  `'{${path.map((p) => `"${p.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"").replaceAll("'", "''")}"`).join(",")}}'`

/**
 * The SQL expression that computes the column from a jsonb expression. It never
 * fails on a value of another JSON type (it yields null), so an odd upstream value
 * cannot turn a record into a poison message.
 */
export const extract = (column: TypedColumn, data: string): string => {
  const value = `${data} #> ${jsonPath(column.path)}`
  if (column.reference) {
    return `case jsonb_typeof(${value}) when 'string' then ${value} #>> '{}' ` +
      `when 'object' then ${value} ->> 'id' end`
  }
  switch (column.type) {
    case "text":
      return `case jsonb_typeof(${value}) when 'string' then ${value} #>> '{}' ` +
        `when 'number' then ${value} #>> '{}' when 'boolean' then ${value} #>> '{}' end`
    case "bigint":
      return `case when jsonb_typeof(${value}) = 'number' and (${value})::numeric between -9223372036854775808 and 9223372036854775807 ` +
        `then round((${value})::numeric)::bigint end`
    case "numeric":
      return `case jsonb_typeof(${value}) when 'number' then (${value})::numeric end`
    case "boolean":
      return `case jsonb_typeof(${value}) when 'boolean' then (${value})::boolean end`
    case "timestamptz":
      return `case when jsonb_typeof(${value}) = 'number' and abs((${value})::numeric) < 1e11 ` +
        `then to_timestamp((${value})::double precision) end`
  }
}

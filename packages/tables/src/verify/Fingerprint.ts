/**
 * A hash of a record's `data` that does not depend on key order or on how Postgres
 * stored the JSON: keys are sorted at every level before hashing. Values hash as their
 * JSON does: the Stripe SDK hands out `Decimal`s for `*_decimal` fields, which are JSON
 * strings through their `toJSON`.
 */
import { createHash } from "node:crypto"

const hasToJson = (value: object): value is { toJSON: () => unknown } =>
  "toJSON" in value && typeof value.toJSON === "function"

const canonical = (value: unknown): string => {
  if (value !== null && typeof value === "object" && hasToJson(value)) return canonical(value.toJSON())
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

export const of = (data: unknown): string => createHash("sha256").update(canonical(data)).digest("hex").slice(0, 32)

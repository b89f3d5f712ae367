/**
 * A hash of a record's `data` that does not depend on key order or on how Postgres
 * stored the JSON: keys are sorted at every level before hashing.
 */
import { createHash } from "node:crypto"

const canonical = (value: unknown): string => {
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

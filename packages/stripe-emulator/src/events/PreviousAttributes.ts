import { isListObject, isRecord } from "../store/StripeObject.js"

/**
 * `data.previous_attributes` of an `*.updated` event: the old value of every changed field.
 * Like Stripe, hashes (metadata, addresses…) recurse and list only their changed keys, with `null`
 * for keys that did not exist before; arrays and nested lists are included whole.
 */
export const previousAttributes = (
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>
): Record<string, unknown> | undefined => {
  let changed: Record<string, unknown> | undefined
  const note = (key: string, previous: unknown, next: unknown): void => {
    if (previous === next) return
    if (isHash(previous) && isHash(next)) {
      const nested = previousAttributes(previous, next)
      if (nested !== undefined) (changed ??= {})[key] = nested
    } else if (!deepEqual(previous, next)) {
      ;(changed ??= {})[key] = previous === undefined ? null : previous
    }
  }
  for (const key in after) note(key, before[key], after[key])
  for (const key in before) if (!(key in after)) note(key, before[key], undefined)
  return changed
}

const isHash = (value: unknown): value is Readonly<Record<string, unknown>> => isRecord(value) && !isListObject(value)

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, index) => deepEqual(item, b[index]))
  }
  if (Array.isArray(b) || !isRecord(a) || !isRecord(b)) return false
  const aKeys = Object.keys(a)
  if (aKeys.length !== Object.keys(b).length) return false
  return aKeys.every((key) => key in b && deepEqual(a[key], b[key]))
}

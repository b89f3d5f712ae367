/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed nesting,
 * `metadata[plan]=pro`, `items[0][price]=price_1`, and both array forms, `expand[0]=a` (the SDKs)
 * and `expand[]=a` (curl). Query strings of GET requests use the same encoding.
 */
export type FormValue = string | FormObject | ReadonlyArray<FormValue>
export interface FormObject {
  readonly [key: string]: FormValue
}

type Tree = { [key: string]: Tree | string }

export const parseForm = (encoded: string): FormObject => {
  const root: Tree = {}
  if (encoded.length === 0) return root
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    insert(root, keySegments(rawKey), value)
  }
  return finish(root) as FormObject
}

/** `a[b][0]` → `["a", "b", "0"]`; `a[]` → `["a", ""]`. */
const keySegments = (key: string): Array<string> => {
  const open = key.indexOf("[")
  if (open <= 0) return [key]
  const segments = [key.slice(0, open)]
  const pattern = /\[([^\]]*)\]/g
  pattern.lastIndex = open
  for (let match = pattern.exec(key); match !== null; match = pattern.exec(key)) {
    segments.push(match[1] ?? "")
  }
  return segments
}

const insert = (node: Tree, segments: ReadonlyArray<string>, value: string): void => {
  let current = node
  for (let i = 0; i < segments.length; i++) {
    let segment = segments[i] ?? ""
    // `x[]` appends: give it the next free index so it becomes an array below.
    if (segment === "") segment = String(Object.keys(current).length)
    if (i === segments.length - 1) {
      current[segment] = value
      return
    }
    const next = current[segment]
    if (typeof next === "object") {
      current = next
    } else {
      const child: Tree = {}
      current[segment] = child
      current = child
    }
  }
}

const INDEX = /^\d+$/

const finish = (tree: Tree | string): FormValue => {
  if (typeof tree === "string") return tree
  const keys = Object.keys(tree)
  if (keys.length > 0 && keys.every((key) => INDEX.test(key))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => finish(tree[String(index)] ?? ""))
  }
  const out: Record<string, FormValue> = {}
  for (const key of keys) out[key] = finish(tree[key] ?? "")
  return out
}

export const isFormObject = (value: FormValue): value is FormObject => typeof value === "object" && !Array.isArray(value)

/**
 * JSON bodies are accepted too (handy with curl); leaves become strings so that one set of
 * parameter schemas serves both encodings, exactly as Stripe treats `amount=100` and `"amount": 100` alike.
 */
export const fromJson = (value: unknown): FormValue => {
  if (value === null || value === undefined) return ""
  if (Array.isArray(value)) return value.map(fromJson)
  if (typeof value === "object") {
    const out: Record<string, FormValue> = {}
    for (const [key, child] of Object.entries(value)) out[key] = fromJson(child)
    return out
  }
  return String(value)
}

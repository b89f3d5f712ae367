/**
 * A path trie: literal segments win over `:param` segments, so `/v1/invoices/create_preview`
 * is not taken for an invoice id. Matching costs one map lookup per segment.
 */
export type Method = "GET" | "POST" | "DELETE"

interface Node<H> {
  readonly literals: Map<string, Node<H>>
  param: Node<H> | undefined
  readonly handlers: Map<Method, H>
}

const node = <H>(): Node<H> => ({ literals: new Map(), param: undefined, handlers: new Map() })

export type Match<H> =
  | { readonly kind: "found"; readonly handler: H; readonly params: ReadonlyArray<string> }
  | { readonly kind: "not_found" }

export class Router<H> {
  private readonly root: Node<H> = node()

  add(method: Method, pattern: string, handler: H): this {
    let current = this.root
    for (const segment of split(pattern)) {
      if (segment.startsWith(":")) {
        current.param ??= node()
        current = current.param
      } else {
        let next = current.literals.get(segment)
        if (next === undefined) {
          next = node()
          current.literals.set(segment, next)
        }
        current = next
      }
    }
    if (current.handlers.has(method)) throw new Error(`route ${method} ${pattern} defined twice`)
    current.handlers.set(method, handler)
    return this
  }

  match(method: string, path: string): Match<H> {
    const params: Array<string> = []
    const found = this.walk(this.root, split(path), 0, params)
    const handler = isMethod(method) ? found?.handlers.get(method) : undefined
    return handler === undefined ? { kind: "not_found" } : { kind: "found", handler, params }
  }

  private walk(current: Node<H>, segments: ReadonlyArray<string>, index: number, params: Array<string>): Node<H> | undefined {
    const segment = segments[index]
    if (segment === undefined) return current
    const literal = current.literals.get(segment)
    if (literal !== undefined) {
      const found = this.walk(literal, segments, index + 1, params)
      if (found !== undefined) return found
    }
    if (current.param === undefined) return undefined
    params.push(decodeURIComponent(segment))
    const found = this.walk(current.param, segments, index + 1, params)
    if (found === undefined) params.pop()
    return found
  }
}

const isMethod = (method: string): method is Method => method === "GET" || method === "POST" || method === "DELETE"

const split = (path: string): ReadonlyArray<string> => path.split("/").filter((segment) => segment.length > 0)

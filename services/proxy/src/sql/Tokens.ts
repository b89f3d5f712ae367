/**
 * Finding clause boundaries in a statement's text with the real Postgres scanner, so the
 * proxy can reuse the user's own expressions (a WHERE clause, SET values, VALUES rows)
 * verbatim in the queries it builds. Offsets are byte offsets into the UTF-8 text.
 */
import { scanSync } from "libpg-query"

export interface Token {
  readonly start: number
  readonly end: number
  /** Lower-cased text of keywords and identifiers as written. */
  readonly text: string
  readonly keyword: boolean
  /** Parenthesis depth at the token, 0 at the statement's top level. */
  readonly depth: number
  readonly param: number | undefined
}

export class Statement {
  readonly tokens: ReadonlyArray<Token>
  private readonly bytes: Buffer

  constructor(readonly sql: string) {
    this.bytes = Buffer.from(sql, "utf8")
    let depth = 0
    this.tokens = scanSync(sql).tokens.map((t) => {
      const text = this.bytes.toString("utf8", t.start, t.end)
      if (text === ")" ) depth--
      const token: Token = {
        start: t.start,
        end: t.end,
        text: t.keywordKind > 0 ? text.toLowerCase() : text,
        keyword: t.keywordKind > 0,
        depth,
        param: t.tokenName === "PARAM" ? Number(text.slice(1)) : undefined
      }
      if (text === "(") depth++
      return token
    })
  }

  /** Index of the first top-level keyword among `words` at or after `from`. */
  find(words: ReadonlyArray<string>, from = 0): number {
    for (let i = from; i < this.tokens.length; i++) {
      const t = this.tokens[i]!
      if (t.depth === 0 && t.keyword && words.includes(t.text)) return i
    }
    return -1
  }

  /** The text from token `from` up to (not including) token `to` (or the end). */
  text(from: number, to = this.tokens.length): string {
    if (from >= to || from < 0) return ""
    const start = this.tokens[from]!.start
    const end = this.tokens[to - 1]!.end
    return this.bytes.toString("utf8", start, end)
  }

  /** Split tokens [from, to) at top-level commas. */
  splitCommas(from: number, to: number): Array<readonly [number, number]> {
    const out: Array<readonly [number, number]> = []
    let start = from
    for (let i = from; i < to; i++) {
      const t = this.tokens[i]!
      if (t.depth === 0 && t.text === ",") {
        out.push([start, i])
        start = i + 1
      }
    }
    if (start < to) out.push([start, to])
    return out
  }

  /** The highest `$n` the statement uses. */
  get parameterCount(): number {
    return this.tokens.reduce((max, t) => Math.max(max, t.param ?? 0), 0)
  }

  usesParameters(from: number, to = this.tokens.length): boolean {
    for (let i = from; i < to; i++) if (this.tokens[i]!.param !== undefined) return true
    return false
  }
}

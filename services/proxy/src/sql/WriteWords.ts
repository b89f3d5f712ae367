/**
 * The words without which no statement can write: `insert`, `update`, `delete`, `merge`,
 * `copy`, `truncate`, and `alter`, for the one write the proxy refuses outside the synced
 * tables, `ALTER ROLE` of the client role every session shares (Classify). SQL keywords
 * are ASCII and case-insensitive, and Postgres has no way to spell one otherwise (Unicode
 * escapes exist only for identifiers and strings), so a text that contains none of them,
 * in any case, anywhere (inside words, comments or strings too), cannot be a write: it
 * needs no parsing. A text that contains one is merely a candidate, for the parser to decide.
 *
 * Two forms of the same test: on a string, and on the raw bytes of a message, which the
 * relay's hot path checks without decoding them. The byte form looks at ASCII bytes only;
 * in UTF-8 (and in every client encoding Postgres accepts) an ASCII letter of the text is
 * an ASCII byte of the message, so both answer alike.
 */

const WORDS = ["insert", "update", "delete", "merge", "copy", "truncate", "alter"] as const

const MAY_WRITE = new RegExp(WORDS.join("|"), "i")

export const mayWrite = (sql: string): boolean => MAY_WRITE.test(sql)

const LOWER = 0x20

/** For each lower-case first letter, the words starting with it, as byte codes. */
const byFirstLetter: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>> | undefined> = (() => {
  const table: Array<Array<Array<number>> | undefined> = []
  for (const word of WORDS) {
    const codes = [...word].map((c) => c.charCodeAt(0))
    ;(table[codes[0]!] ??= []).push(codes)
  }
  return table
})()

/** `mayWrite` on `bytes[start, end)`, without making a string. */
export const mayWriteBytes = (bytes: Uint8Array, start: number, end: number): boolean => {
  for (let at = start; at < end; at++) {
    // `| 0x20` folds an ASCII upper-case letter to lower case; the only byte that folds onto
    // a given lower-case letter is its upper-case form, so the comparisons stay exact.
    const words = byFirstLetter[bytes[at]! | LOWER]
    if (words === undefined) continue
    for (const word of words) {
      if (at + word.length > end) continue
      let k = 1
      while (k < word.length && (bytes[at + k]! | LOWER) === word[k]) k++
      if (k === word.length) return true
    }
  }
  return false
}

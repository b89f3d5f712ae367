/**
 * A reversible, subject-safe encoding of arbitrary strings (record ids may contain
 * `.`, spaces, `*`, `>` or any unicode, none of which may appear in a subject token).
 *
 * Letters, digits, `_` and `-` stand for themselves, so common ids like `cus_9s6XKzkNRiz8i3`
 * read unchanged in `nats sub` output. Every other UTF-16 code unit becomes `~` and four
 * upper-case hex digits. Working on code units rather than bytes keeps even lone
 * surrogates reversible. The empty string, which is not a valid token, is `~`.
 */
import { Either } from "effect"
import { InvalidSubjectToken } from "./Errors.js"

const SAFE = /^[A-Za-z0-9_-]$/
const ESCAPED = /^[0-9A-F]{4}$/

export const encode = (value: string): string => {
  if (value.length === 0) return "~"
  let out = ""
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!
    out += SAFE.test(ch) ? ch : `~${value.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`
  }
  return out
}

/** Exactly the tokens `decode` accepts (`~` alone stands for the empty string). */
const VALID = /^(?:(?:[A-Za-z0-9_-]|~[0-9A-F]{4})*|~)$/

/** Whether `decode` would accept the token, without decoding it: for hot paths that only check. */
export const isValid = (token: string): boolean => VALID.test(token)

export const decode = (token: string): Either.Either<string, InvalidSubjectToken> => {
  if (token === "~") return Either.right("")
  let out = ""
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!
    if (ch === "~") {
      const hex = token.slice(i + 1, i + 5)
      if (!ESCAPED.test(hex)) return Either.left(new InvalidSubjectToken({ token, reason: `bad escape at ${i}` }))
      out += String.fromCharCode(Number.parseInt(hex, 16))
      i += 4
    } else if (SAFE.test(ch)) {
      out += ch
    } else {
      return Either.left(new InvalidSubjectToken({ token, reason: `unescaped ${JSON.stringify(ch)} at ${i}` }))
    }
  }
  return Either.right(out)
}

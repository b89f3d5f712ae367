/**
 * The single place where Schema's parse issues become Stripe errors: unknown keys become
 * `parameter_unknown`, absent required keys `parameter_missing`, wrong values the wording annotated
 * on the schema (params/Form.ts), each with Stripe's bracketed `param` (`items[0][price]`).
 */
import type { ParseResult} from "effect";
import { Either, Option, Schema, SchemaAST } from "effect"
import type { FormObject } from "../http/FormEncoding.js"
import type { StripeError } from "../http/StripeError.js";
import { invalidRequest, parameterMissing, parameterUnknown } from "../http/StripeError.js"
import { InvalidValue, type InvalidValueWording } from "./Form.js"

export const decoder = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "first" })
  return (params: FormObject): A => {
    const result = decode(params)
    if (Either.isRight(result)) return result.right
    throw toStripeError(result.left.issue)
  }
}

/** The same mapping for JSON bodies (the admin API), where leaves keep their JSON types. */
export const jsonDecoder = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "first" })
  return (body: unknown): A => {
    const result = decode(body)
    if (Either.isRight(result)) return result.right
    throw toStripeError(result.left.issue)
  }
}

export const formatParam = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, index) => (index === 0 ? String(key) : `[${String(key)}]`)).join("")

interface Found {
  readonly issue: ParseResult.ParseIssue
  readonly path: ReadonlyArray<PropertyKey>
  readonly wording: InvalidValueWording | undefined
}

const wordingOf = (ast: SchemaAST.AST): InvalidValueWording | undefined =>
  Option.getOrUndefined(SchemaAST.getAnnotation<InvalidValueWording>(ast, InvalidValue))

const findLeaf = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
  wording: InvalidValueWording | undefined
): Found => {
  switch (issue._tag) {
    case "Pointer": {
      const keys = Array.isArray(issue.path) ? (issue.path as ReadonlyArray<PropertyKey>) : [issue.path as PropertyKey]
      // A new parameter path: wording from an enclosing hash no longer applies.
      return findLeaf(issue.issue, [...path, ...keys], undefined)
    }
    case "Composite": {
      const own = wordingOf(issue.ast) ?? wording
      const issues = Array.isArray(issue.issues) ? (issue.issues as ReadonlyArray<ParseResult.ParseIssue>) : [issue.issues as ParseResult.ParseIssue]
      // For a union the last member is the meaningful one (`Emptyable(x)` tries `""` first).
      const chosen = SchemaAST.isUnion(issue.ast) ? issues[issues.length - 1] : issues[0]
      return chosen === undefined ? { issue, path, wording: own } : findLeaf(chosen, path, own)
    }
    case "Refinement": {
      const own = wordingOf(issue.ast) ?? wording
      return issue.kind === "From" ? findLeaf(issue.issue, path, own) : { issue, path, wording: own }
    }
    case "Transformation": {
      const own = wordingOf(issue.ast) ?? wording
      return issue.kind === "Transformation" ? { issue, path, wording: own } : findLeaf(issue.issue, path, own)
    }
    case "Type":
      return { issue, path, wording: wordingOf(issue.ast) ?? wording }
    case "Missing":
    case "Unexpected":
    case "Forbidden":
      return { issue, path, wording }
  }
}

export const toStripeError = (root: ParseResult.ParseIssue): StripeError => {
  const { issue, path, wording } = findLeaf(root, [], undefined)
  const param = formatParam(path)
  switch (issue._tag) {
    case "Missing":
      return parameterMissing(param)
    case "Unexpected":
      return parameterUnknown(param)
    default: {
      const actual = "actual" in issue ? issue.actual : undefined
      if (wording === undefined) return invalidRequest(`Invalid value for ${param}.`, { param })
      return invalidRequest(wording.message(actual, param), {
        param,
        ...(wording.code === undefined ? {} : { code: wording.code })
      })
    }
  }
}

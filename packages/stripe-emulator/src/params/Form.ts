/**
 * Schema building blocks for Stripe's form-encoded parameters. Every leaf arrives as a string
 * (see http/FormEncoding.ts), so numbers and booleans are decoded here, and each block carries the
 * wording Stripe uses when the value is wrong (read by params/Decode.ts).
 */
import { ParseResult, Schema } from "effect"

/** Annotation read by Decode.ts: how Stripe words a wrong value for this parameter. */
export const InvalidValue = Symbol.for("@tributary/stripe-emulator/InvalidValue")
export interface InvalidValueWording {
  readonly code?: string
  readonly message: (actual: unknown, param: string) => string
}

const wording = (value: InvalidValueWording) => ({ [InvalidValue]: value })

const show = (actual: unknown): string => (typeof actual === "string" ? actual : JSON.stringify(actual) ?? "")

export const Str = Schema.String.annotations(wording({ message: (actual) => `Invalid string: ${show(actual)}` }))

/** A string that must not be blank, like an id or a name. */
export const NonBlank = Schema.String.pipe(Schema.minLength(1)).annotations(
  wording({
    code: "parameter_invalid_empty",
    message: (_actual, param) =>
      `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`
  })
)

const INTEGER = /^-?\d+$/

export const Int = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (text, _options, ast) =>
    INTEGER.test(text) ? ParseResult.succeed(Number(text)) : ParseResult.fail(new ParseResult.Type(ast, text)),
  encode: (value) => ParseResult.succeed(String(value))
}).annotations(wording({ code: "parameter_invalid_integer", message: (actual) => `Invalid integer: ${show(actual)}` }))

export const NonNegativeInt = Int.pipe(Schema.filter((value) => value >= 0)).annotations(
  wording({ code: "parameter_invalid_integer", message: (actual) => `Invalid positive integer: ${show(actual)}` })
)

const DECIMAL = /^-?\d+(\.\d+)?$/

export const Decimal = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (text, _options, ast) =>
    DECIMAL.test(text) ? ParseResult.succeed(Number(text)) : ParseResult.fail(new ParseResult.Type(ast, text)),
  encode: (value) => ParseResult.succeed(String(value))
}).annotations(wording({ message: (actual) => `Invalid decimal: ${show(actual)}` }))

export const Bool = Schema.transformOrFail(Schema.String, Schema.Boolean, {
  strict: true,
  decode: (text, _options, ast) =>
    text === "true"
      ? ParseResult.succeed(true)
      : text === "false"
        ? ParseResult.succeed(false)
        : ParseResult.fail(new ParseResult.Type(ast, text)),
  encode: (value) => ParseResult.succeed(String(value))
}).annotations(wording({ message: (actual) => `Invalid boolean: ${show(actual)}` }))

export const Enum = <const Values extends ReadonlyArray<string>>(...values: Values) =>
  Schema.Literal(...values).annotations(
    wording({
      message: (_actual, param) => `Invalid ${param}: must be one of ${oneOf(values)}`
    })
  )

const oneOf = (values: ReadonlyArray<string>): string =>
  values.length <= 1 ? values.join("") : `${values.slice(0, -1).join(", ")}, or ${values[values.length - 1]}`

/** An empty string unsets a parameter in Stripe (`description=` → `null`). */
const EmptyToNull = Schema.transform(Schema.Literal(""), Schema.Null, {
  strict: true,
  decode: () => null,
  encode: () => "" as const
})

export const Emptyable = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.Union(EmptyToNull, schema)

/**
 * `metadata[key]=value`; an empty value deletes the key, and `metadata=` clears everything
 * (decoded as `null`). Numeric keys arrive as an array from the form parser and are folded back.
 */
const MetadataRecord = Schema.transformOrFail(
  Schema.Union(Schema.Record({ key: Schema.String, value: Schema.String }), Schema.Array(Schema.String)),
  Schema.Record({ key: Schema.String, value: Schema.String }),
  {
    strict: true,
    decode: (value, _options, ast) => {
      const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value)
      for (const [key, item] of entries) {
        if (key.length > 40) return ParseResult.fail(new ParseResult.Type(ast, value, `metadata key too long: ${key}`))
        if (item.length > 500) return ParseResult.fail(new ParseResult.Type(ast, value, `metadata value too long: ${key}`))
      }
      return ParseResult.succeed(Object.fromEntries(entries))
    },
    encode: (value) => ParseResult.succeed(value)
  }
).annotations(wording({ message: () => "Invalid hash" }))

export const Metadata = Emptyable(MetadataRecord)

export const Expand = Schema.Union(
  Schema.Array(Schema.String),
  Schema.transform(Schema.String, Schema.Array(Schema.String), {
    strict: true,
    decode: (single) => [single],
    encode: (many) => many[0] ?? ""
  })
).annotations(wording({ message: () => "Invalid array" }))

export const Arr = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Array(item).annotations(wording({ message: () => "Invalid array" }))

export const Obj = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.Struct(fields).annotations(wording({ message: () => "Invalid hash" }))

/** `created=123` or `created[gte]=123&created[lt]=456`. */
export const Range = Schema.Union(
  Int,
  Obj({
    gt: Schema.optional(Int),
    gte: Schema.optional(Int),
    lt: Schema.optional(Int),
    lte: Schema.optional(Int)
  })
)
export type Range = typeof Range.Type

/** Timestamps accept `now` where Stripe does (e.g. `trial_end=now`). */
export const TimestampOrNow = Schema.Union(Schema.Literal("now"), Int)

export const optional = Schema.optional

/** Parameters every list endpoint accepts. */
export const ListFields = {
  limit: optional(Int),
  starting_after: optional(Str),
  ending_before: optional(Str),
  created: optional(Range),
  expand: optional(Expand)
}

/** Parameters every retrieve endpoint accepts. */
export const RetrieveFields = {
  expand: optional(Expand)
}

export const Address = Obj({
  city: optional(Emptyable(Str)),
  country: optional(Emptyable(Str)),
  line1: optional(Emptyable(Str)),
  line2: optional(Emptyable(Str)),
  postal_code: optional(Emptyable(Str)),
  state: optional(Emptyable(Str))
})
export type Address = typeof Address.Type

/**
 * Command-line values decoded with core's schemas. A value that does not decode fails as an
 * `InvalidInput` naming the option (`--sync: must contain only letters, …`), which the process
 * prints as one line, instead of the schema's parse tree or a stack trace.
 *
 * The typed options below (`integer`, `float`, `choice`, `decoded`, `orEnv`) refuse a bad value
 * while @effect/cli parses the command line, before any connection is made. They stand in for
 * `Options.integer`, `Options.float` and `Options.choice`, whose errors (0.77) do not say which
 * option they are about (`'abc' is not a integer`), and for a bare `Options.withFallbackConfig`,
 * whose missing value does not name the variable. Their refusals read `--option: what it takes`,
 * like `InvalidInput`'s, and CommandLine.ts makes each the one line the process prints.
 */
import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Errors } from "@tributary/core"
import { Effect, Option, ParseResult, Schema } from "effect"

export const decode = <A, I>(schema: Schema.Schema<A, I>, option: string) =>
  (value: unknown): Effect.Effect<A, Errors.InvalidInput> =>
    Schema.decodeUnknown(schema)(value).pipe(
      Effect.mapError((error) =>
        new Errors.InvalidInput({
          field: option,
          detail: [...new Set(ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.message))].join("; ")
        })
      )
    )

const refusal = (option: string, detail: string) => ValidationError.invalidValue(HelpDoc.p(`${option}: ${detail}`))

/** `--name`: every option here is a `Single` with a name. */
const nameOf = <A>(option: Options.Options<A>): string => Option.getOrElse(Options.getIdentifier(option), () => "option")

/** `option`'s value decoded with `schema` as the command line is parsed, refused naming the option. */
export const decoded = <A, I>(option: Options.Options<I>, schema: Schema.Schema<A, I>): Options.Options<A> =>
  Options.mapEffect(option, (value) =>
    decode(schema, nameOf(option))(value).pipe(Effect.mapError((error) => refusal(error.field, error.detail))))

/** A text option read as `what` (`an integer`), shown in the usage as `--name <pseudoName>`. */
const typed = <A>(name: string, pseudoName: string, schema: Schema.Schema<A, string>, what: string) =>
  Options.text(name).pipe(
    Options.withPseudoName(pseudoName),
    Options.mapEffect((text) =>
      Schema.decodeUnknown(schema)(text).pipe(Effect.mapError(() => refusal(`--${name}`, `'${text}' is not ${what}`)))
    )
  )

// The same schemas as @effect/cli's integer and float, so the same values are taken.
export const integer = (name: string): Options.Options<number> =>
  typed(name, "integer", Schema.compose(Schema.NumberFromString, Schema.Int), "an integer")

export const float = (name: string): Options.Options<number> => typed(name, "number", Schema.NumberFromString, "a number")

export const choice = <const C extends readonly [string, ...Array<string>]>(name: string, choices: C): Options.Options<C[number]> =>
  typed(name, choices.join(" | "), Schema.Literal(...choices), `one of ${choices.join(", ")}`)

/**
 * `option`, else the environment variable `variable`; given by neither, refused naming both
 * (@effect/cli would say only `Expected to find option: '--api-key'`).
 */
export const orEnv = <A>(option: Options.Options<A>, variable: string, schema: Schema.Schema<A, string>): Options.Options<A> =>
  option.pipe(
    Options.withFallbackConfig(Schema.Config(variable, schema)),
    Options.optional,
    Options.mapEffect(Option.match({
      onNone: () => Effect.fail(refusal(nameOf(option), `required (or set ${variable})`)),
      onSome: Effect.succeed
    }))
  )

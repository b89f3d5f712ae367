/**
 * Command-line values read with core's schemas and refused, while @effect/cli parses the
 * command line, with one line naming the option or argument (`--sync: must contain only
 * letters, …`) instead of the schema's parse tree or a stack trace. Parsing comes before the
 * command's layers are built, so a bad value is refused before any connection is made: with
 * NATS away, `syncs create --id a.b` still names `--id`, and several bad values are named together.
 *
 * The typed options below (`integer`, `float`, `choice`, `decoded`, `orEnv`) stand in for
 * `Options.integer`, `Options.float` and `Options.choice`, whose errors (0.77) do not say which
 * option they are about (`'abc' is not a integer`), and for a bare `Options.withFallbackConfig`,
 * whose missing value does not name the variable. Their refusals read `--option: what it takes`,
 * like core's `InvalidInput`, and CommandLine.ts makes each the one line the process prints.
 */
import { Args, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect, Option, ParseResult, Schema } from "effect"

/** `value` decoded with `schema`, else what the schema says of it, each message once. */
const problemWith = <A, I>(schema: Schema.Schema<A, I>, value: unknown): Effect.Effect<A, string> =>
  Schema.decodeUnknown(schema)(value).pipe(
    Effect.mapError((error) => [...new Set(ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.message))].join("; "))
  )

/** The parser's refusal of `name`'s value: `--name: detail`. */
export const refusal = (name: string, detail: string) => ValidationError.invalidValue(HelpDoc.p(`${name}: ${detail}`))

/** `--name`: every option here is a `Single` with a name. */
const nameOf = <A>(option: Options.Options<A>): string => Option.getOrElse(Options.getIdentifier(option), () => "option")

/** `value` decoded with `schema`, else refused naming `name` (an option whose value is decoded from others'). */
export const decodeAs = <A, I>(schema: Schema.Schema<A, I>, name: string) => (value: unknown): Effect.Effect<A, ValidationError.ValidationError> =>
  problemWith(schema, value).pipe(Effect.mapError((detail) => refusal(name, detail)))

/**
 * `option`'s value decoded with `schema` as the command line is parsed, refused naming the option.
 * The value is decoded as unknown: a text option may be wider than the schema's input (a literal).
 */
export const decoded = <V, A, I>(option: Options.Options<V>, schema: Schema.Schema<A, I>): Options.Options<A> =>
  Options.mapEffect(option, decodeAs(schema, nameOf(option)))

/** `option`'s value, refused naming the option with what `problemOf` says of it (undefined: none). */
export const checked = <A>(option: Options.Options<A>, problemOf: (value: A) => string | undefined): Options.Options<A> =>
  Options.mapEffect(option, (value) => {
    const problem = problemOf(value)
    return problem === undefined ? Effect.succeed(value) : Effect.fail(refusal(nameOf(option), problem))
  })

/** The same for an argument, named as its usage shows it (@effect/cli's identifier, `<sync>`). */
export const decodedArg = <V, A, I>(arg: Args.Args<V>, schema: Schema.Schema<A, I>): Args.Args<A> => {
  const name = Option.getOrElse(Args.getIdentifier(arg), () => "<argument>")
  return Args.mapEffect(arg, (value) => problemWith(schema, value).pipe(Effect.mapError((detail) => HelpDoc.p(`${name}: ${detail}`))))
}

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

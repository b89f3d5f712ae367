/**
 * Command-line values decoded with core's schemas. A value that does not decode fails as an
 * `InvalidInput` naming the option (`--sync: must contain only letters, …`), which the process
 * prints as one line, instead of the schema's parse tree or a stack trace.
 */
import { Errors } from "@tributary/core"
import { Effect, ParseResult, Schema } from "effect"

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

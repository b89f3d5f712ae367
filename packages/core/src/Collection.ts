/**
 * Collections name a kind of upstream object within a source: `stripe:customer`,
 * `stripe:invoice_line_item`. The id is what users see (consumer filters, records);
 * the subject token is the same name with `_` in place of `:`, which keeps subjects
 * free of characters that some NATS tooling treats specially.
 */
import { Schema } from "effect"
import type { Either, ParseResult } from "effect"
import { SourceName } from "./Ids.js"

export const CollectionId = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9]*:[a-z][a-z0-9_]*$/, {
    message: () => "must look like '<source>:<object>', for example 'stripe:customer'"
  }),
  Schema.brand("CollectionId")
)
export type CollectionId = typeof CollectionId.Type

export const make = (source: string, object: string): CollectionId =>
  CollectionId.make(`${source}:${object}`)

export const sourceOf = (collection: CollectionId): SourceName =>
  SourceName.make(collection.slice(0, collection.indexOf(":")))

export const objectOf = (collection: CollectionId): string =>
  collection.slice(collection.indexOf(":") + 1)

/** `stripe:customer` → `stripe_customer`. Source names contain no `_`, so this reverses. */
export const toSubjectToken = (collection: CollectionId): string => collection.replace(":", "_")

const decode = Schema.decodeUnknownEither(CollectionId)

/** The collection a subject token names; a token that names none (anyone can publish) is a `Left`. */
export const fromSubjectToken = (token: string): Either.Either<CollectionId, ParseResult.ParseError> =>
  decode(token.replace("_", ":"))

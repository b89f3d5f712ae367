/**
 * The subject scheme. Every record and change lives on a subject that names its sync,
 * collection and upstream id, so consumers filter with plain NATS wildcards:
 *
 *   <root>.records.<sync_id>.<collection>.<record>   (stream RECORDS, one message per subject)
 *   <root>.events.<sync_id>.<collection>.<record>    (stream EVENTS, every change)
 *
 * `<collection>` is `stripe_customer` for `stripe:customer`; `<record>` is the upstream
 * id encoded by `SubjectToken`.
 */
import { Either, Schema } from "effect"
import * as Collection from "./Collection.js"
import type { CollectionId } from "./Collection.js"
import { InvalidSubjectToken } from "./Errors.js"
import { SyncId, UpstreamId } from "./Ids.js"
import type { Namespace } from "./Namespace.js"
import * as SubjectToken from "./SubjectToken.js"

export type Kind = "records" | "events"

export const forRecord = (
  ns: Namespace,
  kind: Kind,
  sync: SyncId,
  collection: CollectionId,
  upstreamId: string
): string => `${ns.root}.${kind}.${sync}.${Collection.toSubjectToken(collection)}.${SubjectToken.encode(upstreamId)}`

/**
 * Where a proxy replica passes on a CancelRequest whose key it did not hand out, for the
 * replica that did (core NATS, no stream: a cancel is worth nothing once its statement is done).
 */
export const proxyCancels = (ns: Namespace): string => `${ns.root}.proxy.cancels`

/** Every subject of a stream: the stream's `subjects` entry. */
export const all = (ns: Namespace, kind: Kind): string => `${ns.root}.${kind}.>`

/** A filter subject over a stream; `*` leaves that part open. */
export const filter = (
  ns: Namespace,
  kind: Kind,
  by: { readonly sync_id: SyncId | "*"; readonly collection_id: CollectionId | "*" }
): string => {
  const collection = by.collection_id === "*" ? "*" : Collection.toSubjectToken(by.collection_id)
  return `${ns.root}.${kind}.${by.sync_id}.${collection}.*`
}

export interface Parsed {
  readonly kind: Kind
  readonly sync: SyncId
  readonly collection: CollectionId
  readonly upstreamId: UpstreamId
}

const decodeSync = Schema.decodeUnknownEither(SyncId)
const decodeUpstreamId = Schema.decodeUnknownEither(UpstreamId)

/** Whether `parse` accepts this record token: one `SubjectToken` accepts, for a non-empty upstream id. */
export const isRecordToken = (token: string): boolean =>
  token !== "" && token !== SubjectToken.encode("") && SubjectToken.isValid(token)

/**
 * The upstream id a record token stands for, as `parse` reads it; for hot paths that have
 * the rest of the subject already. Most ids are their own token (letters, digits, `_`, `-`),
 * which is returned as it is, without decoding.
 */
export const upstreamIdOf = (token: string): Either.Either<UpstreamId, InvalidSubjectToken> => {
  if (!isRecordToken(token)) return Either.left(new InvalidSubjectToken({ token, reason: "not a valid record token" }))
  if (!token.includes("~")) return Either.right(UpstreamId.make(token, { disableValidation: true }))
  return Either.flatMap(SubjectToken.decode(token), (id) =>
    Either.mapLeft(decodeUpstreamId(id), () => new InvalidSubjectToken({ token, reason: "not an upstream id" })))
}

/**
 * The sync, collection and upstream id of a subject. Anyone can publish on a stream's
 * subjects, so every part is checked: a subject that is not one of ours is a `Left`,
 * never a throw.
 */
export const parse = (ns: Namespace, subject: string): Either.Either<Parsed, InvalidSubjectToken> => {
  const parts = subject.split(".")
  const [root, kind, sync, collection, record] = parts
  if (
    parts.length !== 5 || root !== ns.root || (kind !== "records" && kind !== "events") ||
    sync === undefined || collection === undefined || record === undefined
  ) {
    return Either.left(new InvalidSubjectToken({ token: subject, reason: "not a record or event subject" }))
  }
  const refuse = (token: string, what: string) => () => new InvalidSubjectToken({ token, reason: `not ${what}` })
  return Either.all({
    kind: Either.right<Kind>(kind),
    sync: Either.mapLeft(decodeSync(sync), refuse(sync, "a sync id")),
    collection: Either.mapLeft(Collection.fromSubjectToken(collection), refuse(collection, "a collection")),
    upstreamId: Either.flatMap(SubjectToken.decode(record), (id) => Either.mapLeft(decodeUpstreamId(id), refuse(record, "an upstream id")))
  })
}

/**
 * The sync and collection of a message on `RECORDS`, from its subject
 * `<root>.records.<sync>.<collection>.<record>`: where the sink writes it.
 *
 * Every record of a collection shares the subject up to its last token, so that part is
 * parsed (and its ids validated) once per sync and collection rather than once per
 * message, which showed in profiles of the sink; the record token is still checked on
 * every message. The answer is exactly what `Subjects.parse` says for the whole subject.
 */
import { Subjects, SubjectToken } from "@tributary/core"
import type { Collection, Errors, Ids, Namespace } from "@tributary/core"
import { Either } from "effect"

export interface Route {
  readonly sync: Ids.SyncId
  readonly collection: Collection.CollectionId
}

/** Far more syncs times collections than a deployment has; past it the cache starts over. */
const MAX_ROUTES = 10_000

export const make = (ns: Namespace.Namespace) => {
  const routes = new Map<string, Route>()
  return (subject: string): Either.Either<Route, Errors.InvalidSubjectToken> => {
    const last = subject.lastIndexOf(".")
    const known = routes.get(subject.slice(0, last))
    if (known !== undefined) return Either.map(SubjectToken.decode(subject.slice(last + 1)), () => known)
    return Either.map(Subjects.parse(ns, subject), (parsed) => {
      const route = { sync: parsed.sync, collection: parsed.collection }
      if (routes.size >= MAX_ROUTES) routes.clear()
      routes.set(subject.slice(0, last), route)
      return route
    })
  }
}

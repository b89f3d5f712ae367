/**
 * The sync and collection of a message on `RECORDS`, from its subject
 * `<root>.records.<sync>.<collection>.<record>`: where the sink writes it.
 *
 * Every record of a collection shares the subject up to its last token, so that part is
 * parsed (and its ids validated) once per sync and collection rather than once per
 * message, and consecutive messages of one collection are matched without allocating;
 * the record token is still checked (and decoded) on every message. Profiles of the sink showed the
 * per-message parse. It accepts and refuses the subjects `Subjects.parse` does.
 */
import { Subjects } from "@tributary/core"
import type { Collection, Errors, Ids, Namespace } from "@tributary/core"
import { Either } from "effect"

export interface Route {
  readonly sync: Ids.SyncId
  readonly collection: Collection.CollectionId
  /** The record token, decoded: the record the body must be. */
  readonly upstreamId: Ids.UpstreamId
}

/** The part of a route shared by every record of a sync and collection. */
type Prefix = Omit<Route, "upstreamId">

/** Far more syncs times collections than a deployment has; past it the cache starts over. */
const MAX_ROUTES = 10_000

export const make = (ns: Namespace.Namespace) => {
  const routes = new Map<string, Prefix>()
  let lastPrefix = ""
  let lastRoute: Prefix | undefined

  return (subject: string): Either.Either<Route, Errors.InvalidSubjectToken> => {
    const last = subject.lastIndexOf(".")
    let route = last === lastPrefix.length && subject.startsWith(lastPrefix) ? lastRoute : undefined
    if (route === undefined) {
      const prefix = subject.slice(0, last)
      route = routes.get(prefix)
      if (route === undefined) {
        const parsed = Subjects.parse(ns, subject)
        if (Either.isLeft(parsed)) return parsed
        route = { sync: parsed.right.sync, collection: parsed.right.collection }
        if (routes.size >= MAX_ROUTES) routes.clear()
        routes.set(prefix, route)
      }
      lastPrefix = prefix
      lastRoute = route
    }
    const { collection, sync } = route
    return Either.map(Subjects.upstreamIdOf(subject.slice(last + 1)), (upstreamId) => ({ sync, collection, upstreamId }))
  }
}

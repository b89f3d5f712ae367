/**
 * The collections each source's connector mirrors: the one list the API checks collections
 * against, for a sync's `collections` (core's `SyncStore`) and a consumer's
 * `filters.collection_id` alike. A consumer of a collection no connector mirrors would be
 * created and then never receive anything, so it is refused when it is asked for.
 */
import { Sources } from "@tributary/connectors"
import { Collection, Errors, SyncConfig } from "@tributary/core"

/** What `source`'s connector mirrors, or `undefined` when the gateway has no connector's list for it. */
export const offeredBy = (source: string): ReadonlyArray<Collection.CollectionId> | undefined =>
  Sources.forSource(source)?.collections

const FIELD = "filters.collection_id"

/**
 * Why a consumer cannot filter on `collection`, or `undefined` when it can: `*`, or a collection
 * of a source Tributary has a connector for that the connector mirrors (any collection of a
 * supported source whose connector's list the gateway does not have).
 */
export const problemWithFilter = (collection: Collection.CollectionId | "*"): Errors.InvalidInput | undefined => {
  if (collection === "*") return undefined
  const source = Collection.sourceOf(collection)
  if (!(SyncConfig.supportedSources as ReadonlyArray<string>).includes(source)) {
    return new Errors.InvalidInput({
      field: FIELD,
      detail: `${collection} is a collection of ${source}, which is not a source Tributary has a connector for ` +
        `(${SyncConfig.supportedSources.join(", ")}); a consumer of it would never receive anything`
    })
  }
  const offered = offeredBy(source)
  if (offered === undefined || offered.includes(collection)) return undefined
  return new Errors.InvalidInput({
    field: FIELD,
    detail: `${source} offers no collection ${collection}, so a consumer of it would never receive anything; ` +
      `it offers ${offered.join(", ")}`
  })
}

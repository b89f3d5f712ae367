import { Schema } from "effect"
import { noSuch, parameterMissing } from "../http/StripeError.js"
import { pageRequest } from "../lists/PageRequest.js"
import { pageOfIds } from "../lists/Paginate.js"
import { ListFields, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import { relation, type RelationName } from "../store/Relations.js"
import { objectName } from "../store/StripeObject.js"
import { pathParam, type Handler } from "./ApiRequest.js"
import { listReply } from "./Replies.js"
import { withParams } from "./Routes.js"

const NestedList = Schema.Struct({ ...ListFields, subscription: optional(Str) })

/**
 * The endpoint behind a nested list's `url` (`/v1/invoices/{id}/lines`,
 * `/v1/subscription_items?subscription=…`): the same items in the same order, fully pageable.
 */
export const nestedListRoute = (name: RelationName, options: { readonly parentParam?: "subscription" } = {}): Handler => {
  const nested = relation(name)
  return withParams(NestedList, (request, params) => {
    const { store } = request.account
    const fromQuery = options.parentParam === undefined ? undefined : params[options.parentParam]
    if (options.parentParam !== undefined && fromQuery === undefined) throw parameterMissing(options.parentParam)
    const parentId = fromQuery ?? pathParam(request)
    if (store.collection(nested.parent).get(parentId) === undefined) {
      throw fromQuery === undefined ? noSuch(objectName(nested.parent), parentId, "id") : noSuch(objectName(nested.parent), parentId, options.parentParam ?? "id", 400)
    }
    const children = store.collection(nested.child)
    const page = pageOfIds(
      store.childrenOf(name, parentId),
      (id): Entry | undefined => children.live(id),
      pageRequest(params),
      (id, param) => noSuch(objectName(nested.child), id, param, 400),
      nested.hides === undefined ? undefined : (entry) => nested.hides?.(entry.data) !== true
    )
    return listReply(store, nested.child, request.path, page, params.expand)
  })
}

import { pageRequest } from "../lists/PageRequest.js"
import { pageOfCollection } from "../lists/Paginate.js"
import { Collection } from "../store/Collection.js"
import type { Entry } from "../store/Entry.js"
import type { ObjectsByType } from "../store/Objects.js"
import type { ObjectType } from "../store/StripeObject.js"
import type { Range } from "../params/Form.js"
import type { ApiRequest, Reply } from "./ApiRequest.js"
import { cursorOf } from "./Lookup.js"
import { listReply } from "./Replies.js"

export interface ListParams {
  readonly limit?: number | undefined
  readonly starting_after?: string | undefined
  readonly ending_before?: string | undefined
  readonly created?: Range | undefined
  readonly expand?: ReadonlyArray<string> | undefined
}

/** A newest-first page of a top-level collection, filtered by `matches`. */
export const listCollection = <K extends ObjectType>(
  request: ApiRequest,
  type: K,
  params: ListParams,
  matches?: (entry: Entry<ObjectsByType[K]>) => boolean
): Reply => {
  const { store } = request.account
  // A list filtered by customer visits only that customer's objects (an index), not all of them.
  const customer = (params as { readonly customer?: unknown }).customer
  const all = store.collection(type)
  const candidates = typeof customer === "string" ? Collection.of(type, all.ofCustomer(customer)) : all
  const page = pageOfCollection(candidates, pageRequest(params), {
    cursor: cursorOf(request.account, type),
    ...(matches === undefined ? {} : { matches })
  })
  return listReply(store, type, request.path, page, params.expand)
}

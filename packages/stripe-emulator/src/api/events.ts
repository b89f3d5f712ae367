import { Schema } from "effect"
import { EVENT_RETENTION_SECONDS } from "../events/EventLog.js"
import { invalidRequest, noSuch } from "../http/StripeError.js"
import { pageRequest } from "../lists/PageRequest.js"
import { pageOfCollection } from "../lists/Paginate.js"
import { Arr, Bool, ListFields, optional, RetrieveFields, Str } from "../params/Form.js"
import { pathParam } from "./ApiRequest.js"
import { listReply, objectReply } from "./Replies.js"
import { withParams, type ApiRouter } from "./Routes.js"

const EventList = Schema.Struct({ ...ListFields, type: optional(Str), types: optional(Arr(Str)), delivery_success: optional(Bool) })
const EventRetrieve = Schema.Struct(RetrieveFields)

const MAX_TYPES = 20

/** `customer.*` matches every type below `customer.`, as Stripe's wildcard does. */
const typeMatcher = (pattern: string): ((type: string) => boolean) => {
  if (!pattern.includes("*")) return (type) => type === pattern
  const expression = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)
  return (type) => expression.test(type)
}

/**
 * `/v1/events`: newest first, 30 days deep. Events held back by the eventual-consistency fault
 * are skipped until their time comes, so they can surface behind newer ones, as in Stripe.
 * Retrieval by id is not delayed.
 */
export const eventRoutes = (router: ApiRouter): void => {
  router
    .add("GET", "/v1/events", withParams(EventList, (request, params) => {
      if (params.type !== undefined && params.types !== undefined) {
        throw invalidRequest("You may only specify one of these parameters: type, types.", { param: "types" })
      }
      if (params.types !== undefined && params.types.length > MAX_TYPES) {
        throw invalidRequest(`You may pass at most ${MAX_TYPES} event types.`, { param: "types" })
      }
      const { account } = request
      const now = account.nowSeconds()
      const oldestCreated = now - EVENT_RETENTION_SECONDS
      const patterns = (params.types ?? (params.type === undefined ? [] : [params.type])).map(typeMatcher)
      const nowMs = Date.now()
      const events = account.events.collection
      const page = pageOfCollection(events, pageRequest(params), {
        oldestCreated,
        cursor: (id, param) => {
          const entry = events.get(id)
          if (entry === undefined || entry.created < oldestCreated) throw noSuch("event", id, param, 400)
          return entry
        },
        matches: (entry) => entry.visibleAtMs <= nowMs && (patterns.length === 0 || patterns.some((matches) => matches(entry.data.type)))
      })
      return listReply(account.store, "event", request.path, page, params.expand)
    }))
    .add("GET", "/v1/events/:id", withParams(EventRetrieve, (request, params) => {
      const { account } = request
      const id = pathParam(request)
      const entry = account.events.collection.get(id)
      if (entry === undefined || !account.events.isRetained(entry, account.nowSeconds())) throw noSuch("event", id, "id")
      return objectReply(account.store, "event", entry, params.expand)
    }))
}

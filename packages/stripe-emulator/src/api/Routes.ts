import { Schema } from "effect"
import type { Router } from "../http/Router.js"
import { decoder } from "../params/Decode.js"
import { ListFields, RetrieveFields } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { ObjectsByType } from "../store/Objects.js"
import type { ObjectType } from "../store/StripeObject.js"
import { pathParam, type ApiRequest, type Handler, type Reply } from "./ApiRequest.js"
import { listCollection, type ListParams } from "./Listing.js"
import { retrieve } from "./Lookup.js"
import { objectReply, valueReply } from "./Replies.js"

export type ApiRouter = Router<Handler>

/** A handler whose parameters are decoded (and rejected in Stripe's words) before it runs. */
export const withParams =
  <A, I>(schema: Schema.Schema<A, I>, run: (request: ApiRequest, params: A) => Reply): Handler => {
    const decode = decoder(schema)
    return (request) => run(request, decode(request.params))
  }

export const reply = (request: ApiRequest, type: ObjectType, entry: Entry, expand: ReadonlyArray<string> | undefined): Reply =>
  objectReply(request.account.store, type, entry, expand)

const RetrieveParams = Schema.Struct(RetrieveFields)

/** `GET /v1/<things>/:id`. */
export const retrieveRoute = (type: ObjectType): Handler =>
  withParams(RetrieveParams, (request, params) => reply(request, type, retrieve(request.account, type, pathParam(request)), params.expand))

/** `GET /v1/<things>`: `schema` extends `ListFields` with the endpoint's filters, which `matches` applies. */
export const listRoute = <K extends ObjectType, A extends ListParams, I>(
  type: K,
  schema: Schema.Schema<A, I>,
  matches?: (params: A, request: ApiRequest) => ((entry: Entry<ObjectsByType[K]>) => boolean) | undefined
): Handler => withParams(schema, (request, params) => listCollection(request, type, params, matches?.(params, request)))

/** The schema of a list endpoint without filters of its own. */
export const PlainList = Schema.Struct(ListFields)

/** Stripe's answer to a DELETE: `{id, object, deleted: true}`. */
export const deletedReply = (id: string, object: string): Reply => valueReply({ id, object, deleted: true })

/** Filters that compare parameters to fields one to one (`customer=cus_x`). */
export const equalFields =
  <T extends Readonly<Record<string, unknown>>>(filters: Readonly<Record<string, unknown>>) =>
  (entry: { readonly data: T }): boolean => {
    for (const field in filters) {
      const wanted = filters[field]
      if (wanted !== undefined && entry.data[field] !== wanted) return false
    }
    return true
  }

import { Schema } from "effect"
import type { Account } from "../accounts/Account.js"
import type { Registry } from "../accounts/Registry.js"
import { build, mergeMetadata, pickDefined } from "../domain/Build.js"
import { invalidRequest, noSuch } from "../http/StripeError.js"
import { Arr, Emptyable, Enum, Metadata, optional, Str } from "../params/Form.js"
import type { ConnectedAccount } from "../store/Objects.js"
import { pathParam, type ApiRequest } from "./ApiRequest.js"
import { valueReply } from "./Replies.js"
import { deletedReply, listRoute, PlainList, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"

const AccountCreateParams = Schema.Struct({
  type: optional(Enum("custom", "express", "standard")),
  country: optional(Str),
  email: optional(Str),
  business_type: optional(Enum("company", "government_entity", "individual", "non_profit")),
  metadata: optional(Metadata),
  default_currency: optional(Str),
  capabilities: optional(Schema.Unknown),
  controller: optional(Schema.Unknown),
  business_profile: optional(Schema.Unknown),
  tos_acceptance: optional(Schema.Unknown),
  expand: optional(Arr(Str))
})
const AccountUpdateParams = Schema.Struct({
  email: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  default_currency: optional(Str),
  business_profile: optional(Schema.Unknown),
  capabilities: optional(Schema.Unknown),
  expand: optional(Arr(Str))
})
const Expand = Schema.Struct({ expand: optional(Arr(Str)) })

const platformOf = (request: ApiRequest): Account => {
  if (request.account.platform !== undefined) {
    throw invalidRequest("Connected accounts cannot manage other accounts; use the platform's key without Stripe-Account.", { code: "account_invalid" })
  }
  return request.account
}

/** `/v1/account` describes the selected account itself (platform or connected). */
const selfObject = (account: Account): ConnectedAccount => {
  const stored = account.platform?.store.get("account", account.id)
  return stored?.data ?? build("account", { id: account.id, created: 0, type: "standard", email: null, metadata: {} })
}

/** Connect: a platform key creates connected accounts, then acts on them with `Stripe-Account`. */
export const accountRoutes = (router: ApiRouter, registry: Registry): void => {
  router
    .add("GET", "/v1/account", withParams(Expand, (request) => valueReply(selfObject(request.account))))
    .add("POST", "/v1/accounts", withParams(AccountCreateParams, (request, params) => {
      const platform = platformOf(request)
      const connected = registry.createConnected(platform)
      const entry = request.writer().create(
        "account",
        build("account", {
          id: connected.id,
          created: request.writer().now,
          type: params.type ?? "custom",
          country: params.country ?? "US",
          email: params.email ?? null,
          business_type: params.business_type ?? null,
          default_currency: params.default_currency ?? "usd",
          metadata: mergeMetadata({}, params.metadata)
        })
      )
      return reply(request, "account", entry, params.expand)
    }))
    .add("GET", "/v1/accounts", listRoute("account", PlainList))
    .add("GET", "/v1/accounts/:id", retrieveRoute("account"))
    .add("POST", "/v1/accounts/:id", withParams(AccountUpdateParams, (request, params) => {
      const platform = platformOf(request)
      const entry = platform.store.get("account", pathParam(request))
      if (entry === undefined) throw noSuch("account", pathParam(request), "account")
      request.writer().update(
        "account",
        entry,
        { ...entry.data, ...pickDefined(params, ["email", "default_currency"]), metadata: mergeMetadata(entry.data.metadata, params.metadata) },
        [],
        "account.updated"
      )
      return reply(request, "account", entry, params.expand)
    }))
    .add("DELETE", "/v1/accounts/:id", withParams(Expand, (request) => {
      const platform = platformOf(request)
      const entry = platform.store.get("account", pathParam(request))
      if (entry === undefined) throw noSuch("account", pathParam(request), "account")
      platform.connected.delete(entry.id)
      request.writer().remove("account", entry)
      return deletedReply(entry.id, "account")
    }))
}

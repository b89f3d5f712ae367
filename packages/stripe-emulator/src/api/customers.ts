import { Schema } from "effect"
import { createCustomer, CustomerCreateParams, CustomerUpdateParams, deleteCustomer, updateCustomer } from "../domain/customers.js"
import { listedByStatus } from "../domain/subscriptions.js"
import { pageRequest } from "../lists/PageRequest.js"
import { pageOfCollection } from "../lists/Paginate.js"
import { Collection } from "../store/Collection.js"
import { Arr, Enum, ListFields, optional, Str } from "../params/Form.js"
import { pathParam } from "./ApiRequest.js"
import { cursorOf, retrieve, retrieveLive } from "./Lookup.js"
import { listReply } from "./Replies.js"
import { deletedReply, listRoute, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"

const CustomerList = Schema.Struct({ ...ListFields, email: optional(Str), test_clock: optional(Str) })
const CustomerPaymentMethods = Schema.Struct({ ...ListFields, type: optional(Str), allow_redisplay: optional(Enum("always", "limited", "unspecified")) })
const CustomerSubscriptions = Schema.Struct({ ...ListFields, status: optional(Str) })
const Expand = Schema.Struct({ expand: optional(Arr(Str)) })

export const customerRoutes = (router: ApiRouter): void => {
  router
    .add("POST", "/v1/customers", withParams(CustomerCreateParams, (request, params) =>
      reply(request, "customer", createCustomer(request.writer(), params), params.expand)))
    .add("GET", "/v1/customers", listRoute("customer", CustomerList, ({ email }) =>
      email === undefined ? undefined : (entry) => entry.data.email === email))
    .add("GET", "/v1/customers/:id", retrieveRoute("customer"))
    .add("POST", "/v1/customers/:id", withParams(CustomerUpdateParams, (request, params) => {
      const customer = retrieveLive(request.account, "customer", pathParam(request))
      updateCustomer(request.writer(), customer, params)
      return reply(request, "customer", customer, params.expand)
    }))
    .add("DELETE", "/v1/customers/:id", withParams(Expand, (request) => {
      const customer = retrieveLive(request.account, "customer", pathParam(request))
      deleteCustomer(request.writer(), customer)
      return deletedReply(customer.id, "customer")
    }))
    .add("GET", "/v1/customers/:id/payment_methods", withParams(CustomerPaymentMethods, (request, params) => {
      const customer = retrieve(request.account, "customer", pathParam(request))
      const { store } = request.account
      // Only the customer's own methods are visited (an index), not every method of the account.
      const held = Collection.of("payment_method", store.collection("payment_method").ofCustomer(customer.id))
      const page = pageOfCollection(held, pageRequest(params), {
        cursor: cursorOf(request.account, "payment_method"),
        matches: (entry) => entry.data.customer === customer.id && (params.type === undefined || entry.data.type === params.type)
      })
      return listReply(store, "payment_method", request.path, page, params.expand)
    }))
    .add("GET", "/v1/customers/:id/subscriptions", withParams(CustomerSubscriptions, (request, params) => {
      const customer = retrieve(request.account, "customer", pathParam(request))
      const { store } = request.account
      const page = pageOfCollection(store.collection("subscription"), pageRequest(params), {
        cursor: cursorOf(request.account, "subscription"),
        matches: (entry) =>
          entry.data.customer === customer.id &&
          listedByStatus(params.status, entry.data.status)
      })
      return listReply(store, "subscription", request.path, page, params.expand)
    }))
}

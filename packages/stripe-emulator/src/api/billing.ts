import { Schema } from "effect"
import { createInvoiceItem, deleteInvoiceItem, InvoiceItemCreateParams, InvoiceItemUpdateParams, updateInvoiceItem } from "../domain/invoiceItems.js"
import { InvoicePreviewParams, previewInvoice } from "../domain/invoicePreview.js"
import {
  createInvoice,
  deleteInvoice,
  finalizeInvoice,
  InvoiceCreateParams,
  InvoicePayParams,
  InvoiceUpdateParams,
  markUncollectible,
  payInvoice,
  sendInvoice,
  updateInvoice,
  voidInvoice
} from "../domain/invoices.js"
import {
  createSubscriptionItem,
  deleteSubscriptionItem,
  SubscriptionItemCreateParams,
  SubscriptionItemDeleteParams,
  SubscriptionItemUpdateParams,
  updateSubscriptionItem
} from "../domain/subscriptionItems.js"
import {
  cancelSubscription,
  createSubscription,
  listedByStatus,
  SubscriptionCancelParams,
  SubscriptionCreateParams,
  SubscriptionUpdateParams,
  updateSubscription
} from "../domain/subscriptions.js"
import { Arr, Bool, Enum, ListFields, optional, Range, Str } from "../params/Form.js"
import { createdBounds, withinBounds } from "../lists/PageRequest.js"
import type { Writer } from "../domain/Writer.js"
import { pathParam, type ApiRequest } from "./ApiRequest.js"
import { nestedListRoute } from "./NestedLists.js"
import { retrieveLive } from "./Lookup.js"
import { valueReply } from "./Replies.js"
import { deletedReply, listRoute, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"
import type { Entry } from "../store/Entry.js"
import type { Invoice } from "../store/Objects.js"

const Expand = Schema.Struct({ expand: optional(Arr(Str)) })
const FinalizeParams = Schema.Struct({ auto_advance: optional(Bool), expand: optional(Arr(Str)) })

const SubscriptionStatus = Enum("active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid")
const SubscriptionList = Schema.Struct({
  ...ListFields,
  customer: optional(Str),
  price: optional(Str),
  plan: optional(Str),
  status: optional(SubscriptionStatus),
  collection_method: optional(Enum("charge_automatically", "send_invoice")),
  current_period_end: optional(Range),
  current_period_start: optional(Range),
  test_clock: optional(Str)
})
const InvoiceList = Schema.Struct({
  ...ListFields,
  customer: optional(Str),
  subscription: optional(Str),
  status: optional(Enum("draft", "open", "paid", "uncollectible", "void")),
  collection_method: optional(Enum("charge_automatically", "send_invoice")),
  due_date: optional(Range)
})
const InvoiceItemList = Schema.Struct({ ...ListFields, customer: optional(Str), invoice: optional(Str), pending: optional(Bool) })

const invoiceAction = (action: (writer: Writer, invoice: Entry<Invoice>) => void) =>
  withParams(FinalizeParams, (request: ApiRequest, params) => {
    const invoice = retrieveLive(request.account, "invoice", pathParam(request))
    action(request.writer(), invoice)
    return reply(request, "invoice", invoice, params.expand)
  })

export const billingRoutes = (router: ApiRouter): void => {
  router
    .add("POST", "/v1/subscriptions", withParams(SubscriptionCreateParams, (request, params) =>
      reply(request, "subscription", createSubscription(request.writer(), params), params.expand)))
    .add("GET", "/v1/subscriptions", listRoute("subscription", SubscriptionList, (params, request) => {
      const priceId = params.price ?? params.plan
      const { store } = request.account
      const hasPrice = (subscriptionId: string) =>
        store.childrenOf("subscription.items", subscriptionId).some((id) => store.get("subscription_item", id)?.data.price.id === priceId)
      return (entry) =>
        listedByStatus(params.status, entry.data.status) &&
        (params.customer === undefined || entry.data.customer === params.customer) &&
        (params.collection_method === undefined || entry.data.collection_method === params.collection_method) &&
        (priceId === undefined || hasPrice(entry.id))
    }))
    .add("GET", "/v1/subscriptions/:id", retrieveRoute("subscription"))
    .add("POST", "/v1/subscriptions/:id", withParams(SubscriptionUpdateParams, (request, params) => {
      const subscription = retrieveLive(request.account, "subscription", pathParam(request))
      updateSubscription(request.writer(), subscription, params)
      return reply(request, "subscription", subscription, params.expand)
    }))
    .add("DELETE", "/v1/subscriptions/:id", withParams(SubscriptionCancelParams, (request, params) => {
      const subscription = retrieveLive(request.account, "subscription", pathParam(request))
      cancelSubscription(request.writer(), subscription, params.cancellation_details)
      return reply(request, "subscription", subscription, params.expand)
    }))
    .add("POST", "/v1/subscriptions/:id/cancel", withParams(SubscriptionCancelParams, (request, params) => {
      const subscription = retrieveLive(request.account, "subscription", pathParam(request))
      cancelSubscription(request.writer(), subscription, params.cancellation_details)
      return reply(request, "subscription", subscription, params.expand)
    }))

    .add("POST", "/v1/subscription_items", withParams(SubscriptionItemCreateParams, (request, params) =>
      reply(request, "subscription_item", createSubscriptionItem(request.writer(), params), params.expand)))
    .add("GET", "/v1/subscription_items", nestedListRoute("subscription.items", { parentParam: "subscription" }))
    .add("GET", "/v1/subscription_items/:id", retrieveRoute("subscription_item"))
    .add("POST", "/v1/subscription_items/:id", withParams(SubscriptionItemUpdateParams, (request, params) => {
      const item = retrieveLive(request.account, "subscription_item", pathParam(request))
      updateSubscriptionItem(request.writer(), item, params)
      return reply(request, "subscription_item", item, params.expand)
    }))
    .add("DELETE", "/v1/subscription_items/:id", withParams(SubscriptionItemDeleteParams, (request) => {
      const item = retrieveLive(request.account, "subscription_item", pathParam(request))
      deleteSubscriptionItem(request.writer(), item)
      return deletedReply(item.id, "subscription_item")
    }))

    .add("POST", "/v1/invoices", withParams(InvoiceCreateParams, (request, params) =>
      reply(request, "invoice", createInvoice(request.writer(), params), params.expand)))
    .add("POST", "/v1/invoices/create_preview", withParams(InvoicePreviewParams, (request, params) =>
      valueReply(previewInvoice(request.writer(), params))))
    .add("GET", "/v1/invoices", listRoute("invoice", InvoiceList, (params) => {
      const dueDate = params.due_date === undefined ? undefined : createdBounds(params.due_date)
      return (entry) =>
        (params.customer === undefined || entry.data.customer === params.customer) &&
        (params.status === undefined || entry.data.status === params.status) &&
        (params.collection_method === undefined || entry.data.collection_method === params.collection_method) &&
        (params.subscription === undefined || entry.data.parent?.subscription_details?.subscription === params.subscription) &&
        (dueDate === undefined || (typeof entry.data["due_date"] === "number" && withinBounds(dueDate, entry.data["due_date"])))
    }))
    .add("GET", "/v1/invoices/:id", retrieveRoute("invoice"))
    .add("POST", "/v1/invoices/:id", withParams(InvoiceUpdateParams, (request, params) => {
      const invoice = retrieveLive(request.account, "invoice", pathParam(request))
      updateInvoice(request.writer(), invoice, params)
      return reply(request, "invoice", invoice, params.expand)
    }))
    .add("DELETE", "/v1/invoices/:id", withParams(Expand, (request) => {
      const invoice = retrieveLive(request.account, "invoice", pathParam(request))
      deleteInvoice(request.writer(), invoice)
      return deletedReply(invoice.id, "invoice")
    }))
    .add("GET", "/v1/invoices/:id/lines", nestedListRoute("invoice.lines"))
    .add("POST", "/v1/invoices/:id/finalize", invoiceAction(finalizeInvoice))
    .add("POST", "/v1/invoices/:id/void", invoiceAction(voidInvoice))
    .add("POST", "/v1/invoices/:id/mark_uncollectible", invoiceAction(markUncollectible))
    .add("POST", "/v1/invoices/:id/send", invoiceAction(sendInvoice))
    .add("POST", "/v1/invoices/:id/pay", withParams(InvoicePayParams, (request, params) => {
      const invoice = retrieveLive(request.account, "invoice", pathParam(request))
      payInvoice(request.writer(), invoice, params)
      return reply(request, "invoice", invoice, params.expand)
    }))

    .add("POST", "/v1/invoiceitems", withParams(InvoiceItemCreateParams, (request, params) =>
      reply(request, "invoiceitem", createInvoiceItem(request.writer(), params), params.expand)))
    .add("GET", "/v1/invoiceitems", listRoute("invoiceitem", InvoiceItemList, (params) => (entry) =>
      (params.customer === undefined || entry.data.customer === params.customer) &&
      (params.invoice === undefined || entry.data.invoice === params.invoice) &&
      (params.pending === undefined || (entry.data.invoice === null) === params.pending)))
    .add("GET", "/v1/invoiceitems/:id", retrieveRoute("invoiceitem"))
    .add("POST", "/v1/invoiceitems/:id", withParams(InvoiceItemUpdateParams, (request, params) => {
      const item = retrieveLive(request.account, "invoiceitem", pathParam(request))
      updateInvoiceItem(request.writer(), item, params)
      return reply(request, "invoiceitem", item, params.expand)
    }))
    .add("DELETE", "/v1/invoiceitems/:id", withParams(Expand, (request) => {
      const item = retrieveLive(request.account, "invoiceitem", pathParam(request))
      deleteInvoiceItem(request.writer(), item)
      return deletedReply(item.id, "invoiceitem")
    }))
}

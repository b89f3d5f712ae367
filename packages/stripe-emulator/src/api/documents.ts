import { Schema } from "effect"
import {
  CheckoutSessionCreateParams,
  CheckoutSessionUpdateParams,
  createCheckoutSession,
  expireCheckoutSession,
  updateCheckoutSession
} from "../domain/checkoutSessions.js"
import { createCreditNote, CreditNoteCreateParams, CreditNoteUpdateParams, updateCreditNote, voidCreditNote } from "../domain/creditNotes.js"
import { Arr, Enum, ListFields, Obj, optional, Str } from "../params/Form.js"
import { pathParam } from "./ApiRequest.js"
import { retrieveLive } from "./Lookup.js"
import { nestedListRoute } from "./NestedLists.js"
import { listRoute, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"

const Expand = Schema.Struct({ expand: optional(Arr(Str)) })
const CreditNoteList = Schema.Struct({ ...ListFields, customer: optional(Str), invoice: optional(Str) })
const CheckoutSessionList = Schema.Struct({
  ...ListFields,
  customer: optional(Str),
  customer_details: optional(Obj({ email: Str })),
  payment_intent: optional(Str),
  payment_link: optional(Str),
  subscription: optional(Str),
  status: optional(Enum("open", "complete", "expired"))
})

export const documentRoutes = (router: ApiRouter): void => {
  router
    .add("POST", "/v1/credit_notes", withParams(CreditNoteCreateParams, (request, params) =>
      reply(request, "credit_note", createCreditNote(request.writer(), params), params.expand)))
    .add("GET", "/v1/credit_notes", listRoute("credit_note", CreditNoteList, (params) => (entry) =>
      (params.customer === undefined || entry.data.customer === params.customer) &&
      (params.invoice === undefined || entry.data.invoice === params.invoice)))
    .add("GET", "/v1/credit_notes/:id", retrieveRoute("credit_note"))
    .add("POST", "/v1/credit_notes/:id", withParams(CreditNoteUpdateParams, (request, params) => {
      const note = retrieveLive(request.account, "credit_note", pathParam(request))
      updateCreditNote(request.writer(), note, params)
      return reply(request, "credit_note", note, params.expand)
    }))
    .add("POST", "/v1/credit_notes/:id/void", withParams(Expand, (request, params) => {
      const note = retrieveLive(request.account, "credit_note", pathParam(request))
      voidCreditNote(request.writer(), note)
      return reply(request, "credit_note", note, params.expand)
    }))
    .add("GET", "/v1/credit_notes/:id/lines", nestedListRoute("credit_note.lines"))

    .add("POST", "/v1/checkout/sessions", withParams(CheckoutSessionCreateParams, (request, params) =>
      reply(request, "checkout.session", createCheckoutSession(request.writer(), params), params.expand)))
    .add("GET", "/v1/checkout/sessions", listRoute("checkout.session", CheckoutSessionList, (params) => (entry) =>
      (params.customer === undefined || entry.data.customer === params.customer) &&
      (params.payment_intent === undefined || entry.data["payment_intent"] === params.payment_intent) &&
      (params.subscription === undefined || entry.data["subscription"] === params.subscription) &&
      (params.status === undefined || entry.data.status === params.status) &&
      (params.customer_details === undefined || customerEmail(entry.data["customer_details"]) === params.customer_details.email)))
    .add("GET", "/v1/checkout/sessions/:id", retrieveRoute("checkout.session"))
    .add("POST", "/v1/checkout/sessions/:id", withParams(CheckoutSessionUpdateParams, (request, params) => {
      const session = retrieveLive(request.account, "checkout.session", pathParam(request))
      updateCheckoutSession(request.writer(), session, params)
      return reply(request, "checkout.session", session, params.expand)
    }))
    .add("POST", "/v1/checkout/sessions/:id/expire", withParams(Expand, (request, params) => {
      const session = retrieveLive(request.account, "checkout.session", pathParam(request))
      expireCheckoutSession(request.writer(), session)
      return reply(request, "checkout.session", session, params.expand)
    }))
    .add("GET", "/v1/checkout/sessions/:id/line_items", nestedListRoute("checkout.session.line_items"))
}

const customerEmail = (details: unknown): unknown =>
  typeof details === "object" && details !== null && "email" in details ? details.email : undefined

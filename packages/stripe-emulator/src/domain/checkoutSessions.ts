import { Schema } from "effect"
import { DAY_SECONDS } from "../internal/Clock.js"
import { invalidRequest, noSuch, parameterMissing } from "../http/StripeError.js"
import { Arr, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { CheckoutSession, Price } from "../store/Objects.js"
import { build, mergeMetadata } from "./Build.js"
import { createCustomer } from "./customers.js"
import { collectPayment } from "./paymentIntents.js"
import { attachPaymentMethod } from "./paymentMethods.js"
import { createSubscription } from "./subscriptions.js"
import type { Writer } from "./Writer.js"

export const CheckoutSessionCreateParams = Schema.Struct({
  mode: Enum("payment", "setup", "subscription"),
  line_items: optional(Arr(Obj({ price: Str, quantity: optional(Int) }))),
  success_url: optional(Str),
  cancel_url: optional(Str),
  customer: optional(Str),
  customer_email: optional(Str),
  client_reference_id: optional(Str),
  metadata: optional(Metadata),
  expires_at: optional(Int),
  currency: optional(Str),
  payment_method_types: optional(Arr(Str)),
  customer_creation: optional(Enum("always", "if_required")),
  ui_mode: optional(Enum("embedded", "hosted", "custom")),
  expand: optional(Arr(Str))
})
export type CheckoutSessionCreateParams = typeof CheckoutSessionCreateParams.Type

export const CheckoutSessionUpdateParams = Schema.Struct({ metadata: optional(Metadata), expand: optional(Arr(Str)) })
export type CheckoutSessionUpdateParams = typeof CheckoutSessionUpdateParams.Type

/**
 * Checkout sessions: created by the API, completed by a customer in a browser (here: the admin
 * API or the mutator), expired by time or by `/expire`. Stripe announces only completion and
 * expiry; creation and metadata edits are silent.
 */
export const createCheckoutSession = (writer: Writer, params: CheckoutSessionCreateParams): Entry<CheckoutSession> => {
  if (params.customer !== undefined && writer.get("customer", params.customer) === undefined) throw noSuch("customer", params.customer, "customer", 400)
  const lines = params.line_items ?? []
  if (params.mode !== "setup" && lines.length === 0) throw parameterMissing("line_items")
  const prices = lines.map((line, index) => {
    const price = writer.get("price", line.price)
    if (price === undefined) throw noSuch("price", line.price, `line_items[${index}][price]`, 400)
    if (params.mode === "payment" && price.data.type === "recurring") {
      throw invalidRequest("You must use `mode=subscription` when passing recurring prices.", { param: `line_items[${index}][price]` })
    }
    return price.data
  })
  // Subscription mode takes one-time prices next to recurring ones, but needs at least one that recurs.
  if (params.mode === "subscription" && !prices.some((price) => price.type === "recurring")) {
    throw invalidRequest("You must provide at least one recurring price in `subscription` mode when using prices.", { param: "line_items" })
  }
  const amount = prices.reduce((sum, price, index) => sum + (price.unit_amount ?? 0) * (lines[index]?.quantity ?? 1), 0)
  const id = writer.ids.checkoutSession()
  const session = writer.create(
    "checkout.session",
    build("checkout.session", {
      id,
      amount_subtotal: params.mode === "setup" ? null : amount,
      amount_total: params.mode === "setup" ? null : amount,
      cancel_url: params.cancel_url ?? null,
      client_reference_id: params.client_reference_id ?? null,
      created: writer.now,
      currency: prices[0]?.currency ?? params.currency ?? null,
      customer: params.customer ?? null,
      customer_creation: params.customer === undefined ? (params.customer_creation ?? "if_required") : null,
      customer_email: params.customer_email ?? null,
      expires_at: params.expires_at ?? writer.now + DAY_SECONDS,
      metadata: mergeMetadata({}, params.metadata),
      mode: params.mode,
      payment_method_types: params.payment_method_types ?? ["card"],
      payment_status: params.mode === "setup" ? "no_payment_required" : "unpaid",
      status: "open",
      success_url: params.success_url ?? null,
      ui_mode: params.ui_mode ?? "hosted",
      url: `https://checkout.stripe.com/c/pay/${id}`
    }),
    null
  )
  prices.forEach((price, index) => insertLineItem(writer, id, price, lines[index]?.quantity ?? 1))
  return session
}

const insertLineItem = (writer: Writer, sessionId: string, price: Price, quantity: number): void => {
  const amount = (price.unit_amount ?? 0) * quantity
  const item = writer.create(
    "item",
    build("item", {
      id: writer.ids.long("li"),
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: price.currency,
      description: writer.get("product", price.product)?.data.name ?? price.nickname ?? "Item",
      price,
      quantity
    })
  )
  writer.store.link("checkout.session.line_items", sessionId, item.id)
}

export const updateCheckoutSession = (writer: Writer, session: Entry<CheckoutSession>, params: CheckoutSessionUpdateParams): void => {
  writer.update("checkout.session", session, { ...session.data, metadata: mergeMetadata(session.data.metadata, params.metadata) })
}

export const expireCheckoutSession = (writer: Writer, session: Entry<CheckoutSession>): void => {
  if (session.data.status !== "open") {
    throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.data.status}".`, {
      code: "checkout_session_unexpected_state"
    })
  }
  writer.update("checkout.session", session, { ...session.data, status: "expired", url: null }, ["checkout.session.expired"])
}

/** What the customer does in the hosted page: pay (or subscribe) with a test card. */
export const completeCheckoutSession = (writer: Writer, session: Entry<CheckoutSession>, cardName = "pm_card_visa"): void => {
  if (session.data.status !== "open") {
    throw invalidRequest(`This Checkout Session is ${session.data.status} and can no longer be completed.`, { code: "checkout_session_unexpected_state" })
  }
  const data = session.data
  const email = typeof data["customer_email"] === "string" ? data["customer_email"] : `checkout-${writer.ids.secret(6).toLowerCase()}@example.com`
  const needsCustomer = data.mode !== "payment" || data["customer_creation"] === "always"
  const customerId = data.customer ?? (needsCustomer ? createCustomer(writer, { email }).id : null)
  const method = customerId === null ? undefined : attachPaymentMethod(writer, cardName, customerId, "payment_method")
  const lines = writer.store.childrenOf("checkout.session.line_items", session.id).map((id) => writer.get("item", id)?.data)
  let fields: Record<string, unknown> = {}
  if (data.mode === "payment") {
    const result = collectPayment(writer, {
      amount: data.amount_total ?? 0,
      currency: data.currency ?? "usd",
      customer: customerId,
      paymentMethodId: method?.id ?? cardName,
      description: null
    })
    fields = { payment_intent: result.intent.id, payment_status: result.kind === "succeeded" ? "paid" : "unpaid" }
  } else if (data.mode === "subscription" && customerId !== null && method !== undefined) {
    const recurring = lines.filter((line) => line?.price.type === "recurring")
    const subscription = createSubscription(writer, {
      customer: customerId,
      default_payment_method: method.id,
      items: recurring.map((line) => ({ price: line?.price.id ?? "", quantity: line?.quantity ?? 1 }))
    })
    fields = { subscription: subscription.id, invoice: subscription.data.latest_invoice, payment_status: "paid" }
  }
  writer.update(
    "checkout.session",
    session,
    {
      ...data,
      ...fields,
      customer: customerId,
      customer_details: { address: null, email, name: null, phone: null, tax_exempt: "none", tax_ids: [], business_name: null, individual_name: null },
      status: "complete",
      url: null
    },
    ["checkout.session.completed"]
  )
}

import type { Account } from "../accounts/Account.js"
import { completeCheckoutSession, createCheckoutSession, expireCheckoutSession } from "../domain/checkoutSessions.js"
import { createCreditNote } from "../domain/creditNotes.js"
import { createCustomer, deleteCustomer, updateCustomer } from "../domain/customers.js"
import { createInvoiceItem } from "../domain/invoiceItems.js"
import { createInvoice, finalizeInvoice, payInvoice, voidInvoice } from "../domain/invoices.js"
import { createPaymentIntent } from "../domain/paymentIntents.js"
import { resolvePaymentMethod } from "../domain/paymentMethods.js"
import { createPayout } from "../domain/payouts.js"
import { createPrice, updatePrice } from "../domain/prices.js"
import { updateProduct } from "../domain/products.js"
import { refundCharge } from "../domain/refunds.js"
import { createSetupIntent } from "../domain/setupIntents.js"
import { cancelSubscription, createSubscription, updateSubscription } from "../domain/subscriptions.js"
import type { Writer } from "../domain/Writer.js"
import type { Random } from "../internal/Random.js"
import type { Entry } from "../store/Entry.js"
import type { ObjectsByType } from "../store/Objects.js"
import type { ObjectType } from "../store/StripeObject.js"

/**
 * The changes the mutator makes, weighted roughly like a live SaaS account: mostly customer and
 * subscription edits, then billing and payments, and now and then deletes, refunds, disputes,
 * payouts and checkout sessions. All go through the domain operations, so each records its events.
 */
export interface Operation {
  readonly name: string
  readonly weight: number
  readonly run: (writer: Writer, random: Random) => void
}

const pick = <K extends ObjectType>(account: Account, type: K, random: Random, accept: (entry: Entry<ObjectsByType[K]>) => boolean = () => true): Entry<ObjectsByType[K]> | undefined => {
  const collection = account.store.collection(type)
  for (let attempt = 0; attempt < 8 && collection.size > 0; attempt++) {
    const entry = collection.at(random.int(collection.size))
    if (entry !== undefined && accept(entry)) return entry
  }
  return undefined
}

const recurringPrice = (account: Account, random: Random) => pick(account, "price", random, (price) => price.data.active && price.data.recurring !== null && price.data.currency === "usd")
const oneTimePrice = (account: Account, random: Random) => pick(account, "price", random, (price) => price.data.active && price.data.recurring === null && price.data.currency === "usd")
const payingCustomer = (account: Account, random: Random) => pick(account, "customer", random, (customer) => typeof customer.data.invoice_settings.default_payment_method === "string")

export const operations = (account: Account): ReadonlyArray<Operation> => [
  { name: "customer.update", weight: 25, run: (writer, random) => {
    const customer = pick(account, "customer", random)
    if (customer !== undefined) updateCustomer(writer, customer, random.chance(0.5) ? { metadata: { touched: String(writer.now) } } : { name: `Renamed ${writer.ids.secret(5)}`, phone: `+1555${random.between(1000000, 9999999)}` })
  } },
  { name: "customer.create", weight: 10, run: (writer) => {
    const card = resolvePaymentMethod(writer, "pm_card_visa", "payment_method")
    createCustomer(writer, {
      email: `live-${writer.ids.secret(8).toLowerCase()}@example.com`,
      name: "Live Customer",
      payment_method: card.id,
      invoice_settings: { default_payment_method: card.id }
    })
  } },
  { name: "customer.delete", weight: 2, run: (writer, random) => {
    const customer = pick(account, "customer", random)
    if (customer !== undefined) deleteCustomer(writer, customer)
  } },
  { name: "subscription.create", weight: 6, run: (writer, random) => {
    const customer = payingCustomer(account, random)
    const price = recurringPrice(account, random)
    if (customer !== undefined && price !== undefined) createSubscription(writer, { customer: customer.id, items: [{ price: price.id, quantity: random.between(1, 4) }] })
  } },
  { name: "subscription.update", weight: 10, run: (writer, random) => {
    const subscription = pick(account, "subscription", random, (entry) => entry.data.status !== "canceled")
    if (subscription !== undefined) updateSubscription(writer, subscription, random.chance(0.3) ? { cancel_at_period_end: !subscription.data.cancel_at_period_end } : { metadata: { revision: String(writer.now) } })
  } },
  { name: "subscription.cancel", weight: 3, run: (writer, random) => {
    const subscription = pick(account, "subscription", random, (entry) => entry.data.status !== "canceled")
    if (subscription !== undefined) cancelSubscription(writer, subscription)
  } },
  { name: "invoice.one_off", weight: 8, run: (writer, random) => {
    const customer = payingCustomer(account, random)
    const price = oneTimePrice(account, random)
    if (customer === undefined || price === undefined) return
    createInvoiceItem(writer, { customer: customer.id, price: price.id, quantity: random.between(1, 3) })
    const invoice = createInvoice(writer, { customer: customer.id, pending_invoice_items_behavior: "include" })
    finalizeInvoice(writer, invoice)
    if (random.chance(0.8)) payInvoice(writer, invoice, {})
  } },
  { name: "invoice.void", weight: 2, run: (writer, random) => {
    const invoice = pick(account, "invoice", random, (entry) => entry.data.status === "open")
    if (invoice !== undefined) voidInvoice(writer, invoice)
  } },
  { name: "payment.create", weight: 8, run: (writer, random) => {
    const customer = payingCustomer(account, random)
    if (customer === undefined) return
    const card = random.chance(0.05) ? "pm_card_createDispute" : (customer.data.invoice_settings.default_payment_method ?? "pm_card_visa")
    createPaymentIntent(writer, { amount: random.between(5, 300) * 100, currency: "usd", customer: customer.id, payment_method: card, confirm: true })
  } },
  { name: "refund.create", weight: 4, run: (writer, random) => {
    const charge = pick(account, "charge", random, (entry) => entry.data.status === "succeeded" && !entry.data.refunded && entry.data.captured)
    if (charge !== undefined) refundCharge(writer, charge, { amount: Math.max(1, Math.floor((charge.data.amount - charge.data.amount_refunded) / 2)) })
  } },
  { name: "catalog.update", weight: 3, run: (writer, random) => {
    const product = pick(account, "product", random)
    if (product !== undefined) updateProduct(writer, product, { description: `Revised ${writer.ids.secret(4)}`, metadata: { revision: String(writer.now) } })
    const price = pick(account, "price", random)
    if (price !== undefined && random.chance(0.3)) updatePrice(writer, price, { metadata: { touched: String(writer.now) } })
  } },
  { name: "price.create", weight: 1, run: (writer, random) => {
    const product = pick(account, "product", random, (entry) => entry.data.active)
    if (product !== undefined) createPrice(writer, { currency: "usd", product: product.id, unit_amount: random.between(1, 100) * 100 })
  } },
  { name: "payout.create", weight: 2, run: (writer, random) => {
    createPayout(writer, { amount: random.between(10, 1000) * 100, currency: "usd" })
  } },
  { name: "credit_note.create", weight: 2, run: (writer, random) => {
    const invoice = pick(account, "invoice", random, (entry) => entry.data.status === "paid" && entry.data.amount_paid - entry.data.post_payment_credit_notes_amount > 100)
    if (invoice !== undefined) createCreditNote(writer, { invoice: invoice.id, amount: 100, reason: "order_change" })
  } },
  { name: "checkout.session", weight: 4, run: (writer, random) => {
    const open = pick(account, "checkout.session", random, (entry) => entry.data.status === "open")
    if (open !== undefined) {
      if (random.chance(0.7)) completeCheckoutSession(writer, open)
      else expireCheckoutSession(writer, open)
      return
    }
    const price = oneTimePrice(account, random)
    if (price !== undefined) createCheckoutSession(writer, { mode: "payment", line_items: [{ price: price.id, quantity: 1 }], success_url: "https://example.com/success" })
  } },
  { name: "setup_intent.create", weight: 2, run: (writer, random) => {
    const customer = pick(account, "customer", random)
    if (customer !== undefined) createSetupIntent(writer, { customer: customer.id, payment_method: "pm_card_visa", confirm: true })
  } }
]

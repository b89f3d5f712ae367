import { DAY_SECONDS } from "../internal/Clock.js"
import type { Random } from "../internal/Random.js"
import { completeCheckoutSession, createCheckoutSession, expireCheckoutSession } from "../domain/checkoutSessions.js"
import { createCreditNote } from "../domain/creditNotes.js"
import { createCustomer } from "../domain/customers.js"
import { createInvoiceItem } from "../domain/invoiceItems.js"
import { createInvoice, finalizeInvoice, payInvoice, voidInvoice } from "../domain/invoices.js"
import { createPaymentIntent } from "../domain/paymentIntents.js"
import { resolvePaymentMethod } from "../domain/paymentMethods.js"
import { refundCharge } from "../domain/refunds.js"
import { renewIfDue } from "../domain/renewals.js"
import { createSetupIntent } from "../domain/setupIntents.js"
import { cancelSubscription, createSubscription, expireIncompleteSubscription, INCOMPLETE_EXPIRY_SECONDS } from "../domain/subscriptions.js"
import type { Writer } from "../domain/Writer.js"
import { StripeError } from "../http/StripeError.js"
import type { Entry } from "../store/Entry.js"
import type { Customer, Price } from "../store/Objects.js"
import type { SeedCatalog } from "./Catalog.js"

const FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Radia", "Tim", "Hedy", "John", "Katherine", "Linus"]
const LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie", "Perlman", "Berners-Lee", "Lamarr", "Backus", "Johnson", "Torvalds"]
const SEGMENTS = ["smb", "mid_market", "enterprise", "self_serve"]

/** A seeded customer's life, told through the same operations the API uses, at past moments. */
export interface History {
  readonly random: Random
  readonly catalog: SeedCatalog
  readonly now: number
  /** A writer at a past moment (recording events only inside the retention window). */
  readonly at: (seconds: number) => Writer
}

const between = (random: Random, from: number, to: number): number => (to <= from ? from : from + random.int(to - from))

const distinct = <T>(random: Random, items: ReadonlyArray<T>, count: number): Array<T> => {
  const pool = [...items]
  const picked: Array<T> = []
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(random.int(pool.length), 1)[0] as T)
  return picked
}

/** Declines are part of real histories; they are expected here and simply end that storyline. */
const tolerateDecline = (run: () => void): void => {
  try {
    run()
  } catch (error) {
    if (!(error instanceof StripeError) || error.status !== 402) throw error
  }
}

export const seedCustomer = (history: History, index: number, createdAt: number, withCard: boolean): Entry<Customer> => {
  const { random } = history
  const writer = history.at(createdAt)
  const first = FIRST_NAMES[index % FIRST_NAMES.length] ?? "Ada"
  const last = LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length] ?? "Lovelace"
  const card = !withCard ? undefined : resolvePaymentMethod(writer, random.chance(0.04) ? "pm_card_chargeDeclined" : random.pick(["pm_card_visa", "pm_card_mastercard", "pm_card_amex"]), "payment_method")
  return createCustomer(writer, {
    email: `${first}.${last}.${index}@example.com`.toLowerCase(),
    name: `${first} ${last}`,
    description: `Seeded customer ${index}`,
    metadata: { segment: random.pick(SEGMENTS), seed_index: String(index) },
    ...(card === undefined ? {} : { payment_method: card.id, invoice_settings: { default_payment_method: card.id } })
  })
}

export const seedHistory = (history: History, customer: Entry<Customer>, hasCard: boolean): void => {
  const { random, now } = history
  const since = customer.data.created
  if (hasCard && random.chance(0.6)) seedSubscription(history, customer, between(random, since, Math.min(now, since + 2 * DAY_SECONDS)))
  if (random.chance(0.3)) seedOneOffInvoice(history, customer, between(random, since, now), hasCard)
  if (hasCard && random.chance(0.25)) seedPayment(history, customer, between(random, since, now))
  if (hasCard && random.chance(0.1)) {
    createSetupIntent(history.at(between(random, since, now)), { customer: customer.id, payment_method: "pm_card_visa", confirm: true, usage: "off_session" })
  }
  if (random.chance(0.05)) seedCheckout(history, customer, between(random, since, now))
}

const seedSubscription = (history: History, customer: Entry<Customer>, startedAt: number): void => {
  const { random, catalog, now } = history
  const yearly = random.chance(0.15)
  const prices: ReadonlyArray<Price> = yearly ? [random.pick(catalog.yearly)] : distinct(random, catalog.monthly, random.between(1, 3))
  tolerateDecline(() => {
    const subscription = createSubscription(history.at(startedAt), {
      customer: customer.id,
      items: prices.map((price) => ({ price: price.id, quantity: random.between(1, 5) })),
      ...(random.chance(0.1) ? { trial_period_days: 14 } : {}),
      metadata: { source: "seed" }
    })
    const cancelAt = random.chance(0.1) ? between(random, startedAt, now) : Infinity
    for (let renewals = 0; renewals < 60; renewals++) {
      const periodEnd = writerPeriodEnd(history, subscription.id)
      if (periodEnd === undefined || periodEnd > Math.min(now, cancelAt) || subscription.data.status === "incomplete") break
      renewIfDue(history.at(periodEnd), subscription)
    }
    const expiresAt = startedAt + INCOMPLETE_EXPIRY_SECONDS
    if (subscription.data.status === "incomplete" && expiresAt <= Math.min(now, cancelAt)) expireIncompleteSubscription(history.at(expiresAt), subscription)
    const ended = subscription.data.status === "canceled" || subscription.data.status === "incomplete_expired"
    if (cancelAt !== Infinity && !ended) cancelSubscription(history.at(cancelAt), subscription)
  })
}

const writerPeriodEnd = (history: History, subscriptionId: string): number | undefined => {
  const writer = history.at(history.now)
  const firstItem = writer.store.childrenOf("subscription.items", subscriptionId)[0]
  return firstItem === undefined ? undefined : writer.get("subscription_item", firstItem)?.data.current_period_end
}

const seedOneOffInvoice = (history: History, customer: Entry<Customer>, at: number, hasCard: boolean): void => {
  const { random, catalog } = history
  const writer = history.at(at)
  const lines = random.between(1, 4)
  for (let line = 0; line < lines; line++) {
    const price = random.pick(catalog.oneTime)
    createInvoiceItem(writer, { customer: customer.id, price: price.id, quantity: random.between(1, 3) })
  }
  const invoice = createInvoice(writer, {
    customer: customer.id,
    pending_invoice_items_behavior: "include",
    ...(hasCard ? {} : { collection_method: "send_invoice" as const, days_until_due: 30 })
  })
  const outcome = random.next()
  if (outcome < 0.05) return
  finalizeInvoice(writer, invoice)
  if (outcome < 0.15) voidInvoice(history.at(at + DAY_SECONDS / 2), invoice)
  else if (hasCard && outcome < 0.95) tolerateDecline(() => payInvoice(history.at(at + 3600), invoice, {}))
  if (invoice.data.status === "paid" && random.chance(0.15)) {
    const firstLine = history.at(at).store.childrenOf("invoice.lines", invoice.id)[0]
    if (firstLine !== undefined) {
      createCreditNote(history.at(at + DAY_SECONDS), {
        invoice: invoice.id,
        lines: [{ type: "invoice_line_item", invoice_line_item: firstLine, quantity: 1 }],
        reason: random.pick(["duplicate", "order_change", "product_unsatisfactory"] as const)
      })
    }
  }
}

const seedPayment = (history: History, customer: Entry<Customer>, at: number): void => {
  const { random } = history
  tolerateDecline(() => {
    const methodId = customer.data.invoice_settings.default_payment_method
    const intent = createPaymentIntent(history.at(at), {
      amount: random.between(10, 500) * 100,
      currency: "usd",
      customer: customer.id,
      ...(typeof methodId === "string" ? { payment_method: methodId } : { payment_method: "pm_card_visa" }),
      confirm: true,
      description: "Seeded one-time payment"
    })
    const chargeId = intent.data.latest_charge
    const charge = chargeId === null ? undefined : history.at(at).get("charge", chargeId)
    if (charge !== undefined && charge.data.status === "succeeded" && random.chance(0.2)) {
      refundCharge(history.at(Math.min(history.now, at + DAY_SECONDS)), charge, { amount: Math.floor(charge.data.amount / 2), reason: "requested_by_customer" })
    }
  })
}

const seedCheckout = (history: History, customer: Entry<Customer>, at: number): void => {
  const { random, catalog, now } = history
  const session = createCheckoutSession(history.at(at), {
    mode: "payment",
    customer: customer.id,
    line_items: distinct(random, catalog.oneTime, random.between(1, 3)).map((price) => ({ price: price.id, quantity: 1 })),
    success_url: "https://example.com/success"
  })
  const fate = random.next()
  if (fate < 0.6 && at + 600 <= now) tolerateDecline(() => completeCheckoutSession(history.at(at + 600), session))
  else if (session.data.expires_at <= now) expireCheckoutSession(history.at(session.data.expires_at), session)
}

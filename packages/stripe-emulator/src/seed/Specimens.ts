import { completeCheckoutSession, createCheckoutSession } from "../domain/checkoutSessions.js"
import { createCreditNote } from "../domain/creditNotes.js"
import { createInvoiceItem } from "../domain/invoiceItems.js"
import { createInvoice, finalizeInvoice, payInvoice } from "../domain/invoices.js"
import { createPaymentIntent } from "../domain/paymentIntents.js"
import { refundCharge } from "../domain/refunds.js"
import { createSubscription } from "../domain/subscriptions.js"
import type { Writer } from "../domain/Writer.js"
import type { Entry } from "../store/Entry.js"
import type { Customer, Invoice } from "../store/Objects.js"
import type { SeedCatalog } from "./Catalog.js"
import type { SeedSamples } from "./SeedTypes.js"

/**
 * Objects whose nested lists are longer than a first page, so that every nested list a sync must
 * page (`invoice.lines`, `subscription.items`, `charge.refunds`, `credit_note.lines`, checkout
 * `line_items`) is exercised by any seeded account.
 */
export const SPECIMEN_CUSTOMERS = 6

/** More refunds than a first page holds, small enough to leave the charge partly refunded (12 × $4 of $60). */
const SPECIMEN_REFUNDS = 12
const SPECIMEN_REFUND_AMOUNT = 400

const paidInvoiceWithLines = (writer: Writer, customer: Entry<Customer>, catalog: SeedCatalog, lines: number): Entry<Invoice> => {
  for (let index = 0; index < lines; index++) {
    const price = catalog.oneTime[index % catalog.oneTime.length]
    createInvoiceItem(writer, { customer: customer.id, ...(price === undefined ? { amount: 1000, currency: "usd" } : { price: price.id }), quantity: 1 + (index % 3) })
  }
  const invoice = createInvoice(writer, { customer: customer.id, pending_invoice_items_behavior: "include", description: `${lines}-line invoice` })
  finalizeInvoice(writer, invoice)
  payInvoice(writer, invoice, {})
  return invoice
}

export const seedSpecimens = (writer: Writer, customers: ReadonlyArray<Entry<Customer>>, catalog: SeedCatalog): SeedSamples => {
  const customer = (index: number): Entry<Customer> => {
    const found = customers[index]
    if (found === undefined) throw new Error(`seeding needs ${SPECIMEN_CUSTOMERS} customers for its specimens`)
    return found
  }
  const manyLines = paidInvoiceWithLines(writer, customer(0), catalog, 25)

  const manyItems = createSubscription(writer, {
    customer: customer(1).id,
    items: catalog.monthly.slice(0, 20).map((price, index) => ({ price: price.id, quantity: 1 + (index % 4) })),
    metadata: { specimen: "20 items" }
  })

  const refunded = createPaymentIntent(writer, { amount: 6000, currency: "usd", customer: customer(2).id, payment_method: "pm_card_visa", confirm: true })
  const refundedCharge = writer.get("charge", refunded.data.latest_charge ?? "")
  if (refundedCharge === undefined) throw new Error("specimen payment did not produce a charge")
  for (let index = 0; index < SPECIMEN_REFUNDS; index++) {
    refundCharge(writer.at(writer.now + index * 60), refundedCharge, { amount: SPECIMEN_REFUND_AMOUNT, reason: "requested_by_customer" })
  }

  const credited = paidInvoiceWithLines(writer, customer(3), catalog, 15)
  const creditNote = createCreditNote(writer, {
    invoice: credited.id,
    lines: writer.store.childrenOf("invoice.lines", credited.id).map((line) => ({ type: "invoice_line_item" as const, invoice_line_item: line, quantity: 1 })),
    memo: "Goodwill credit on every line",
    reason: "product_unsatisfactory"
  })

  const session = createCheckoutSession(writer, {
    mode: "payment",
    customer: customer(4).id,
    line_items: catalog.oneTime.slice(0, 15).map((price) => ({ price: price.id, quantity: 1 })),
    success_url: "https://example.com/success",
    cancel_url: "https://example.com/cancel"
  })
  completeCheckoutSession(writer.at(writer.now + 300), session)

  const disputed = createPaymentIntent(writer, { amount: 4200, currency: "usd", customer: customer(5).id, payment_method: "pm_card_createDispute", confirm: true })

  return {
    invoiceWithManyLines: manyLines.id,
    subscriptionWithManyItems: manyItems.id,
    chargeWithManyRefunds: refundedCharge.id,
    creditNoteWithManyLines: creditNote.id,
    checkoutSessionWithManyLineItems: session.id,
    disputedCharge: disputed.data.latest_charge ?? ""
  }
}

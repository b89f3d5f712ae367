import { Schema } from "effect"
import { invalidRequest, noSuch, parameterMissing } from "../http/StripeError.js"
import { Arr, Enum, Int, Metadata, Obj, optional, Str, Emptyable } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { CreditNote, CreditNoteLineItem, Invoice } from "../store/Objects.js"
import { build, mergeMetadata } from "./Build.js"
import { withTotals } from "./invoiceLines.js"
import { refundCharge } from "./refunds.js"
import type { Writer } from "./Writer.js"

const LineParam = Obj({
  type: Enum("invoice_line_item", "custom_line_item"),
  invoice_line_item: optional(Str),
  amount: optional(Int),
  quantity: optional(Int),
  unit_amount: optional(Int),
  description: optional(Str),
  metadata: optional(Metadata)
})

export const CreditNoteCreateParams = Schema.Struct({
  invoice: Str,
  lines: optional(Arr(LineParam)),
  amount: optional(Int),
  credit_amount: optional(Int),
  refund_amount: optional(Int),
  out_of_band_amount: optional(Int),
  memo: optional(Str),
  reason: optional(Enum("duplicate", "fraudulent", "order_change", "product_unsatisfactory")),
  metadata: optional(Metadata),
  effective_at: optional(Int),
  email_type: optional(Enum("credit_note", "none")),
  expand: optional(Arr(Str))
})
export type CreditNoteCreateParams = typeof CreditNoteCreateParams.Type

export const CreditNoteUpdateParams = Schema.Struct({
  memo: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  expand: optional(Arr(Str))
})
export type CreditNoteUpdateParams = typeof CreditNoteUpdateParams.Type

type LineParam = typeof LineParam.Type

interface PlannedLine {
  readonly amount: number
  readonly quantity: number
  readonly type: "invoice_line_item" | "custom_line_item"
  readonly invoiceLineItem: string | null
  readonly description: string | null
  readonly unitAmount: number | null
  readonly metadata: Readonly<Record<string, string>>
}

const planLine = (writer: Writer, invoice: Invoice, line: LineParam, index: number): PlannedLine => {
  const metadata = mergeMetadata({}, line.metadata)
  if (line.type === "custom_line_item") {
    if (line.unit_amount === undefined) throw parameterMissing(`lines[${index}][unit_amount]`)
    const quantity = line.quantity ?? 1
    return { amount: line.unit_amount * quantity, quantity, type: line.type, invoiceLineItem: null, description: line.description ?? null, unitAmount: line.unit_amount, metadata }
  }
  const id = line.invoice_line_item
  if (id === undefined) throw parameterMissing(`lines[${index}][invoice_line_item]`)
  const invoiceLine = writer.get("line_item", id)
  if (invoiceLine === undefined || invoiceLine.data.invoice !== invoice.id) throw noSuch("invoice line item", id, `lines[${index}][invoice_line_item]`, 400)
  const quantity = line.quantity ?? invoiceLine.data.quantity ?? 1
  const amount = line.amount ?? Math.round((invoiceLine.data.amount / Math.max(1, invoiceLine.data.quantity ?? 1)) * quantity)
  return { amount, quantity, type: line.type, invoiceLineItem: id, description: invoiceLine.data.description, unitAmount: null, metadata }
}

const creditable = (invoice: Invoice): number =>
  invoice.status === "paid" ? invoice.amount_paid - invoice.post_payment_credit_notes_amount : invoice.amount_remaining

export const createCreditNote = (writer: Writer, params: CreditNoteCreateParams): Entry<CreditNote> => {
  const invoice = writer.get("invoice", params.invoice)
  if (invoice === undefined) throw noSuch("invoice", params.invoice, "invoice", 400)
  if (invoice.data.status !== "open" && invoice.data.status !== "paid") {
    throw invalidRequest(`Credit notes can only be issued for open or paid invoices; ${invoice.id} is ${invoice.data.status}.`, { param: "invoice" })
  }
  const planned =
    params.lines !== undefined
      ? params.lines.map((line, index) => planLine(writer, invoice.data, line, index))
      : params.amount !== undefined
        ? [{ amount: params.amount, quantity: 1, type: "custom_line_item" as const, invoiceLineItem: null, description: "Credit", unitAmount: params.amount, metadata: {} }]
        : undefined
  if (planned === undefined) throw parameterMissing("lines")
  const total = planned.reduce((sum, line) => sum + line.amount, 0)
  if (total <= 0 || total > creditable(invoice.data)) {
    throw invalidRequest(`The credit note total (${total}) must be positive and at most the invoice's creditable amount (${creditable(invoice.data)}).`, {
      param: params.lines === undefined ? "amount" : "lines"
    })
  }
  const postPayment = invoice.data.status === "paid"
  const refunds = postPayment && params.refund_amount !== undefined ? [refundInvoice(writer, invoice, params.refund_amount)] : []
  const sequence = writer.store.collection("credit_note").values().filter((note) => note.data.invoice === invoice.id).length + 1
  const id = writer.ids.long("cn")
  const note = writer.create(
    "credit_note",
    build("credit_note", {
      id,
      amount: total,
      created: writer.now,
      currency: invoice.data.currency,
      customer: invoice.data.customer,
      effective_at: params.effective_at ?? writer.now,
      invoice: invoice.id,
      memo: params.memo ?? null,
      metadata: mergeMetadata({}, params.metadata),
      number: `${invoice.data.number ?? invoice.id}-CN-${String(sequence).padStart(2, "0")}`,
      out_of_band_amount: params.out_of_band_amount ?? null,
      pdf: `https://pay.stripe.com/credit_notes/${writer.account.id}/test_${writer.ids.secret(24)}/pdf`,
      post_payment_amount: postPayment ? total : 0,
      pre_payment_amount: postPayment ? 0 : total,
      reason: params.reason ?? null,
      refunds,
      status: "issued",
      subtotal: total,
      subtotal_excluding_tax: total,
      total,
      total_excluding_tax: total,
      type: postPayment ? "post_payment" : "pre_payment"
    }),
    null
  )
  for (const line of planned) insertLine(writer, id, line)
  writer.emit("credit_note.created", "credit_note", note)
  adjustInvoice(writer, invoice, postPayment, total)
  return note
}

const insertLine = (writer: Writer, creditNoteId: string, line: PlannedLine): Entry<CreditNoteLineItem> => {
  const entry = writer.create(
    "credit_note_line_item",
    build("credit_note_line_item", {
      id: writer.ids.long("cnli"),
      amount: line.amount,
      description: line.description,
      invoice_line_item: line.invoiceLineItem,
      metadata: line.metadata,
      quantity: line.quantity,
      tax_rates: [],
      type: line.type,
      unit_amount: line.unitAmount,
      unit_amount_decimal: line.unitAmount === null ? null : String(line.unitAmount)
    })
  )
  writer.store.link("credit_note.lines", creditNoteId, entry.id)
  return entry
}

const refundInvoice = (writer: Writer, invoice: Entry<Invoice>, amount: number) => {
  const chargeId = writer.store.invoiceCharges.get(invoice.id)
  const charge = chargeId === undefined ? undefined : writer.get("charge", chargeId)
  if (charge === undefined) throw invalidRequest("This invoice was not paid by a charge, so nothing can be refunded.", { param: "refund_amount" })
  const refund = refundCharge(writer, charge, { amount }, "refund_amount")
  return { amount_refunded: amount, refund: refund.id, payment_record_refund: null, type: "refund" }
}

const adjustInvoice = (writer: Writer, invoice: Entry<Invoice>, postPayment: boolean, delta: number): void => {
  const data = invoice.data
  const next = postPayment
    ? { ...data, post_payment_credit_notes_amount: data.post_payment_credit_notes_amount + delta }
    : withTotals(writer, { ...data, pre_payment_credit_notes_amount: data.pre_payment_credit_notes_amount + delta })
  const settled = !postPayment && next.amount_remaining === 0 && data.status === "open"
  writer.update(
    "invoice",
    invoice,
    settled ? { ...next, status: "paid", status_transitions: { ...data.status_transitions, paid_at: writer.now } } : next,
    settled ? ["invoice.paid"] : []
  )
}

export const updateCreditNote = (writer: Writer, note: Entry<CreditNote>, params: CreditNoteUpdateParams): void => {
  writer.update("credit_note", note, {
    ...note.data,
    ...(params.memo === undefined ? {} : { memo: params.memo }),
    metadata: mergeMetadata(note.data.metadata, params.metadata)
  })
}

export const voidCreditNote = (writer: Writer, note: Entry<CreditNote>): void => {
  if (note.data.status === "void") throw invalidRequest("This credit note has already been voided.", { code: "credit_note_already_voided" })
  const refunds = note.data["refunds"]
  if (Array.isArray(refunds) && refunds.length > 0) throw invalidRequest("Credit notes with refunds cannot be voided.")
  writer.update("credit_note", note, { ...note.data, status: "void", voided_at: writer.now }, ["credit_note.voided"], null)
  const invoice = writer.get("invoice", note.data.invoice)
  const amount = Number(note.data["amount"] ?? 0)
  if (invoice !== undefined && invoice.data.status !== "void") adjustInvoice(writer, invoice, note.data["type"] === "post_payment", -amount)
}

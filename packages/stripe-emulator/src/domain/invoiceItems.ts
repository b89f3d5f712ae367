import { Schema } from "effect"
import { invalidRequest, noSuch, parameterMissing } from "../http/StripeError.js"
import { Arr, Bool, Decimal, Emptyable, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import type { Entry } from "../store/Entry.js"
import type { Invoice, InvoiceItem, Price } from "../store/Objects.js"
import { build, mergeMetadata } from "./Build.js"
import { editDraftLines } from "./invoices.js"
import { lineFromInvoiceItem } from "./invoiceLines.js"
import type { Writer } from "./Writer.js"

const Period = Obj({ start: Int, end: Int })

const ItemFields = {
  amount: optional(Int),
  description: optional(Emptyable(Str)),
  metadata: optional(Metadata),
  period: optional(Period),
  price: optional(Str),
  pricing: optional(Obj({ price: optional(Str) })),
  quantity: optional(Int),
  unit_amount_decimal: optional(Decimal),
  discountable: optional(Bool),
  tax_rates: optional(Emptyable(Arr(Str))),
  expand: optional(Arr(Str))
}

export const InvoiceItemCreateParams = Schema.Struct({
  ...ItemFields,
  customer: Str,
  currency: optional(Str),
  invoice: optional(Str),
  subscription: optional(Str)
})
export type InvoiceItemCreateParams = typeof InvoiceItemCreateParams.Type

export const InvoiceItemUpdateParams = Schema.Struct(ItemFields)
export type InvoiceItemUpdateParams = typeof InvoiceItemUpdateParams.Type

type ItemParams = typeof InvoiceItemUpdateParams.Type

const draftInvoice = (writer: Writer, id: string, customer: string): Entry<Invoice> => {
  const invoice = writer.get("invoice", id)
  if (invoice === undefined) throw noSuch("invoice", id, "invoice", 400)
  if (invoice.data.customer !== customer) {
    throw invalidRequest("The invoice and the invoice item must belong to the same customer.", { param: "invoice" })
  }
  if (invoice.data.status !== "draft") {
    throw invalidRequest(`You can only add invoice items to draft invoices; ${id} is ${invoice.data.status}.`, {
      param: "invoice",
      code: "invoice_not_editable"
    })
  }
  return invoice
}

interface Pricing {
  readonly amount: number
  readonly quantity: number
  readonly price: Price | undefined
}

const pricingOf = (writer: Writer, params: ItemParams, current: InvoiceItem | undefined): Pricing => {
  const priceId = params.pricing?.price ?? params.price
  const price = priceId === undefined ? undefined : writer.get("price", priceId)?.data
  if (priceId !== undefined && price === undefined) throw noSuch("price", priceId, params.pricing?.price === undefined ? "price" : "pricing[price]", 400)
  const quantity = params.quantity ?? current?.quantity ?? 1
  if (price !== undefined) return { amount: (price.unit_amount ?? 0) * quantity, quantity, price }
  if (params.unit_amount_decimal !== undefined) return { amount: Math.round(params.unit_amount_decimal * quantity), quantity, price: undefined }
  if (params.amount !== undefined) return { amount: params.amount, quantity, price: undefined }
  if (current !== undefined) return { amount: current.amount, quantity, price: undefined }
  throw parameterMissing("amount")
}

const pricingField = (pricing: Pricing) => ({
  type: "price_details",
  price_details: pricing.price === undefined ? null : { price: pricing.price.id, product: pricing.price.product },
  unit_amount_decimal: String(pricing.quantity === 0 ? 0 : pricing.amount / pricing.quantity)
})

export const createInvoiceItem = (writer: Writer, params: InvoiceItemCreateParams): Entry<InvoiceItem> => {
  const customer = writer.get("customer", params.customer)
  if (customer === undefined) throw noSuch("customer", params.customer, "customer", 400)
  const invoice = params.invoice === undefined ? undefined : draftInvoice(writer, params.invoice, customer.id)
  const pricing = pricingOf(writer, params, undefined)
  const currency = pricing.price?.currency ?? params.currency?.toLowerCase()
  if (currency === undefined) throw parameterMissing("currency")
  const item = writer.create(
    "invoiceitem",
    build("invoiceitem", {
      id: writer.ids.long("ii"),
      amount: pricing.amount,
      currency,
      customer: customer.id,
      date: writer.now,
      description: params.description ?? pricing.price?.nickname ?? null,
      discountable: params.discountable ?? true,
      invoice: invoice?.id ?? null,
      metadata: mergeMetadata({}, params.metadata),
      net_amount: pricing.amount,
      parent: params.subscription === undefined ? null : { subscription_details: { subscription: params.subscription }, type: "subscription_details" },
      period: params.period ?? { end: writer.now, start: writer.now },
      pricing: pricingField(pricing),
      quantity: pricing.quantity,
      quantity_decimal: String(pricing.quantity),
      tax_rates: []
    })
  )
  if (invoice !== undefined) editDraftLines(writer, invoice, () => lineFromInvoiceItem(writer, invoice.id, item.data))
  return item
}

const lineOf = (writer: Writer, invoiceId: string, itemId: string) =>
  writer.store
    .childrenOf("invoice.lines", invoiceId)
    .map((id) => writer.get("line_item", id))
    .find((line) => {
      const parent = line?.data["parent"]
      return (
        typeof parent === "object" &&
        parent !== null &&
        "invoice_item_details" in parent &&
        typeof parent.invoice_item_details === "object" &&
        parent.invoice_item_details !== null &&
        "invoice_item" in parent.invoice_item_details &&
        parent.invoice_item_details.invoice_item === itemId
      )
    })

const editableInvoice = (writer: Writer, item: InvoiceItem): Entry<Invoice> | undefined => {
  if (item.invoice === null) return undefined
  const invoice = writer.get("invoice", item.invoice)
  if (invoice !== undefined && invoice.data.status !== "draft") {
    throw invalidRequest(`The invoice item is on invoice ${invoice.id}, which is no longer a draft.`, { code: "invoice_not_editable" })
  }
  return invoice
}

/** Stripe has no `invoiceitem.updated`: an edit shows up only as `invoice.updated` of its draft. */
export const updateInvoiceItem = (writer: Writer, item: Entry<InvoiceItem>, params: InvoiceItemUpdateParams): void => {
  const invoice = editableInvoice(writer, item.data)
  const pricing = pricingOf(writer, params, item.data)
  const apply = () => {
    writer.update("invoiceitem", item, {
      ...item.data,
      amount: pricing.amount,
      net_amount: pricing.amount,
      quantity: pricing.quantity,
      quantity_decimal: String(pricing.quantity),
      pricing: pricingField(pricing),
      ...(params.description === undefined ? {} : { description: params.description }),
      ...(params.period === undefined ? {} : { period: params.period }),
      ...(params.discountable === undefined ? {} : { discountable: params.discountable }),
      metadata: mergeMetadata(item.data.metadata, params.metadata)
    })
    if (invoice === undefined) return
    const line = lineOf(writer, invoice.id, item.id)
    if (line !== undefined) {
      writer.replaceSilently("line_item", line, {
        ...line.data,
        amount: item.data.amount,
        subtotal: item.data.amount,
        quantity: item.data.quantity,
        description: item.data.description,
        metadata: item.data.metadata
      })
    }
  }
  if (invoice === undefined) apply()
  else editDraftLines(writer, invoice, apply)
}

export const deleteInvoiceItem = (writer: Writer, item: Entry<InvoiceItem>): void => {
  const invoice = editableInvoice(writer, item.data)
  if (invoice === undefined) {
    writer.remove("invoiceitem", item)
    return
  }
  editDraftLines(writer, invoice, () => {
    const line = lineOf(writer, invoice.id, item.id)
    if (line !== undefined) {
      writer.store.unlink("invoice.lines", line.id)
      writer.remove("line_item", line)
    }
    writer.remove("invoiceitem", item)
  })
}

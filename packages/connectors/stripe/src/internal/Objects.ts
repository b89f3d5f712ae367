/**
 * Stripe objects as plain JSON: the SDK's types describe them, but a payload may still be
 * malformed, so everything read is checked for the little the connector relies on.
 */
export type StripeJson = Readonly<Record<string, unknown>>

export interface StripeObject extends StripeJson {
  readonly id: string
  readonly object: string
}

export const isRecord = (value: unknown): value is StripeJson =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const isStripeObject = (value: unknown): value is StripeObject =>
  isRecord(value) && typeof value.id === "string" && value.id.length > 0 && typeof value.object === "string"

/** Why a payload is not a usable object, or undefined when it is. */
export const problemWith = (value: unknown): string | undefined => {
  if (!isRecord(value)) return "not a JSON object"
  if (typeof value.id !== "string" || value.id.length === 0) return "has no id"
  if (typeof value.object !== "string") return "has no object type"
  return undefined
}

export const idOf = (value: unknown): string | null =>
  isRecord(value) && typeof value.id === "string" && value.id.length > 0 ? value.id : null

/** `created` in epoch ms. */
export const createdAt = (value: StripeJson): number | null =>
  typeof value.created === "number" ? value.created * 1000 : null

/** The id behind a field that is either an id or an expanded object. */
export const refId = (value: unknown): string | undefined =>
  typeof value === "string" ? value : isRecord(value) && typeof value.id === "string" ? value.id : undefined

/** A Stripe list (`{object: 'list', data, has_more, url}`). */
export interface ListJson {
  readonly data: ReadonlyArray<unknown>
  readonly has_more: boolean
}

export const isList = (value: unknown): value is ListJson & StripeJson =>
  isRecord(value) && Array.isArray(value.data) && typeof value.has_more === "boolean"

/** The subscription an invoice belongs to, in old (`subscription`) and new (`parent.subscription_details`) API shapes. */
export const subscriptionOfInvoice = (invoice: StripeJson): string | undefined => {
  const direct = refId(invoice.subscription)
  if (direct !== undefined) return direct
  const parent = invoice.parent
  if (!isRecord(parent)) return undefined
  const details = parent.subscription_details
  return isRecord(details) ? refId(details.subscription) : undefined
}

/**
 * The invoice items an invoice's lines come from (`parent.invoice_item_details.invoice_item`,
 * or `invoice_item` in older API versions). Stripe sends no event when an invoice item is
 * attached to an invoice or edited, so they are read again with their invoice.
 */
export const invoiceItemsOf = (invoice: StripeJson): ReadonlyArray<string> => {
  const lines = invoice.lines
  if (!isList(lines)) return []
  return lines.data.flatMap((line) => {
    if (!isRecord(line)) return []
    const parent = line.parent
    const details = isRecord(parent) ? parent.invoice_item_details : undefined
    const id = isRecord(details) ? refId(details.invoice_item) : refId(line.invoice_item)
    return id === undefined ? [] : [id]
  })
}

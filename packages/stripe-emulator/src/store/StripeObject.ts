/**
 * Stored objects are plain JSON values treated as immutable: a change builds a new object
 * (`{...old, field: next}`) and never edits one in place. That lets objects share nested values
 * with their templates and with the event snapshots taken from them, which keeps seeding cheap.
 */
export interface StripeObject {
  readonly id: string
  readonly object: string
  readonly [field: string]: unknown
}

export type Metadata = Readonly<Record<string, string>>

export interface ListObject {
  readonly object: "list"
  readonly data: ReadonlyArray<unknown>
  readonly has_more: boolean
  readonly url: string
}

export const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const isStripeObject = (value: unknown): value is StripeObject =>
  isRecord(value) && typeof value["id"] === "string" && typeof value["object"] === "string"

export const isListObject = (value: unknown): value is ListObject =>
  isRecord(value) && value["object"] === "list" && Array.isArray(value["data"])

/** The object types the emulator stores; `line_item` is an invoice line and `item` a checkout line. */
export const OBJECT_TYPES = [
  "account",
  "customer",
  "product",
  "price",
  "plan",
  "coupon",
  "tax_rate",
  "subscription",
  "subscription_item",
  "invoice",
  "line_item",
  "invoiceitem",
  "charge",
  "refund",
  "payment_intent",
  "setup_intent",
  "payment_method",
  "dispute",
  "payout",
  "balance_transaction",
  "credit_note",
  "credit_note_line_item",
  "checkout.session",
  "item"
] as const
export type ObjectType = (typeof OBJECT_TYPES)[number]

/** Everything the API renders: stored objects and events. */
export type RenderableType = ObjectType | "event"

/** The name Stripe uses in messages such as `No such customer: 'cus_x'`. */
export const objectName = (type: ObjectType | "event"): string => {
  switch (type) {
    case "line_item":
      return "invoice line item"
    case "item":
      return "line item"
    case "checkout.session":
      return "checkout.session"
    default:
      return type
  }
}

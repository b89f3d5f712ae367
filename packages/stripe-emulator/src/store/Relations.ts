import type { ObjectType } from "./StripeObject.js"

/**
 * Lists nested inside objects. Stripe embeds the first page (10 items) with `has_more` and the
 * list's own `url`; `inline` lists are always present, the others only when expanded.
 */
export interface Relation {
  readonly name: RelationName
  readonly parent: ObjectType
  readonly child: ObjectType
  readonly field: string
  readonly inline: boolean
  /** Where new children go: invoice lines keep invoice order, refunds show newest first. */
  readonly order: "append" | "prepend"
  readonly url: (parentId: string) => string
  /** Children hidden from the nested list (a customer's canceled subscriptions). */
  readonly hides?: (child: Readonly<Record<string, unknown>>) => boolean
}

export type RelationName =
  | "invoice.lines"
  | "subscription.items"
  | "credit_note.lines"
  | "charge.refunds"
  | "checkout.session.line_items"
  | "customer.subscriptions"

export const RELATIONS: ReadonlyArray<Relation> = [
  {
    name: "invoice.lines",
    parent: "invoice",
    child: "line_item",
    field: "lines",
    inline: true,
    order: "append",
    url: (id) => `/v1/invoices/${id}/lines`
  },
  {
    name: "subscription.items",
    parent: "subscription",
    child: "subscription_item",
    field: "items",
    inline: true,
    order: "append",
    url: (id) => `/v1/subscription_items?subscription=${id}`
  },
  {
    name: "credit_note.lines",
    parent: "credit_note",
    child: "credit_note_line_item",
    field: "lines",
    inline: true,
    order: "append",
    url: (id) => `/v1/credit_notes/${id}/lines`
  },
  {
    name: "charge.refunds",
    parent: "charge",
    child: "refund",
    field: "refunds",
    inline: false,
    order: "prepend",
    url: (id) => `/v1/charges/${id}/refunds`
  },
  {
    name: "checkout.session.line_items",
    parent: "checkout.session",
    child: "item",
    field: "line_items",
    inline: false,
    order: "append",
    url: (id) => `/v1/checkout/sessions/${id}/line_items`
  },
  {
    name: "customer.subscriptions",
    parent: "customer",
    child: "subscription",
    field: "subscriptions",
    inline: false,
    order: "prepend",
    url: (id) => `/v1/customers/${id}/subscriptions`,
    hides: (subscription) => subscription["status"] === "canceled"
  }
]

export const relation = (name: RelationName): Relation => {
  const found = RELATIONS.find((candidate) => candidate.name === name)
  if (found === undefined) throw new Error(`unknown relation ${name}`)
  return found
}

export const relationsOf = (parent: string): ReadonlyArray<Relation> =>
  RELATIONS.filter((candidate) => candidate.parent === parent)

/** Relations whose list is embedded in the parent's default JSON: a child change stales the parent. */
export const inlineRelationsOfChild = (child: ObjectType): ReadonlyArray<Relation> =>
  RELATIONS.filter((candidate) => candidate.child === child && candidate.inline)

/** Lists Stripe lets you expand on a customer though the emulator keeps them empty. */
export const EMPTY_CUSTOMER_LISTS: ReadonlyArray<{ readonly field: string; readonly url: (id: string) => string }> = [
  { field: "sources", url: (id) => `/v1/customers/${id}/sources` },
  { field: "tax_ids", url: (id) => `/v1/customers/${id}/tax_ids` }
]

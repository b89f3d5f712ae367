import type { ObjectType } from "../store/StripeObject.js"

/**
 * The event Stripe records when an object of each type is created, updated or deleted. Types
 * absent here (subscription items, invoice lines, balance transactions, checkout line items) emit
 * nothing in Stripe either. Some "created" events depend on the outcome (`charge.succeeded`), so
 * those operations name their event explicitly instead.
 */
export interface EventNames {
  readonly created?: string
  readonly updated?: string
  readonly deleted?: string
}

export const EVENT_NAMES: { readonly [K in ObjectType]?: EventNames } = {
  customer: { created: "customer.created", updated: "customer.updated", deleted: "customer.deleted" },
  product: { created: "product.created", updated: "product.updated", deleted: "product.deleted" },
  price: { created: "price.created", updated: "price.updated", deleted: "price.deleted" },
  plan: { created: "plan.created", updated: "plan.updated", deleted: "plan.deleted" },
  coupon: { created: "coupon.created", updated: "coupon.updated", deleted: "coupon.deleted" },
  tax_rate: { created: "tax_rate.created", updated: "tax_rate.updated" },
  subscription: {
    created: "customer.subscription.created",
    updated: "customer.subscription.updated",
    deleted: "customer.subscription.deleted"
  },
  invoice: { created: "invoice.created", updated: "invoice.updated", deleted: "invoice.deleted" },
  // Stripe has no `invoiceitem.updated`: item edits surface only through the invoice.
  invoiceitem: { created: "invoiceitem.created", deleted: "invoiceitem.deleted" },
  charge: { updated: "charge.updated" },
  refund: { created: "refund.created", updated: "refund.updated" },
  payment_intent: { created: "payment_intent.created" },
  setup_intent: { created: "setup_intent.created" },
  // Payment methods announce themselves when attached, not when created.
  payment_method: { updated: "payment_method.updated" },
  dispute: { created: "charge.dispute.created", updated: "charge.dispute.updated" },
  payout: { created: "payout.created", updated: "payout.updated" },
  credit_note: { created: "credit_note.created", updated: "credit_note.updated" }
}

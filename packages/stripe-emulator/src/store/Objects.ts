/**
 * The fields of each stored object that the emulator's own logic reads. The objects carry every
 * other field of Stripe's shape too (from the templates); those are only ever copied, never read.
 */
import type { Metadata, StripeObject } from "./StripeObject.js"

export interface Customer extends StripeObject {
  readonly created: number
  readonly email: string | null
  readonly name: string | null
  readonly metadata: Metadata
  readonly invoice_prefix: string
  readonly next_invoice_sequence: number
  readonly balance: number
  readonly currency: string | null
  readonly invoice_settings: { readonly default_payment_method: string | null; readonly [field: string]: unknown }
}

export interface Product extends StripeObject {
  readonly created: number
  readonly active: boolean
  readonly name: string
  readonly default_price: string | null
  readonly metadata: Metadata
}

export interface Recurring {
  readonly interval: "day" | "week" | "month" | "year"
  readonly interval_count: number
  readonly usage_type: string
  readonly meter: string | null
  readonly trial_period_days: number | null
}

export interface Price extends StripeObject {
  readonly created: number
  readonly active: boolean
  readonly currency: string
  readonly product: string
  readonly type: "one_time" | "recurring"
  readonly recurring: Recurring | null
  readonly unit_amount: number | null
  readonly metadata: Metadata
  readonly nickname: string | null
  readonly lookup_key: string | null
}

export interface Plan extends StripeObject {
  readonly created: number
  readonly active: boolean
  readonly amount: number | null
  readonly currency: string
  readonly interval: string
  readonly interval_count: number
  readonly product: string
  readonly metadata: Metadata
  readonly nickname: string | null
}

export interface Coupon extends StripeObject {
  readonly created: number
  readonly percent_off: number | null
  readonly amount_off: number | null
  readonly duration: "forever" | "once" | "repeating"
  readonly valid: boolean
  readonly times_redeemed: number
  readonly max_redemptions: number | null
  readonly metadata: Metadata
}

export interface TaxRate extends StripeObject {
  readonly created: number
  readonly active: boolean
  readonly percentage: number
  readonly inclusive: boolean
  readonly metadata: Metadata
}

export interface Subscription extends StripeObject {
  readonly created: number
  readonly customer: string
  readonly status: "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused"
  readonly currency: string
  readonly metadata: Metadata
  readonly latest_invoice: string | null
  readonly cancel_at_period_end: boolean
  readonly canceled_at: number | null
  readonly ended_at: number | null
  readonly trial_end: number | null
  readonly collection_method: "charge_automatically" | "send_invoice"
  readonly days_until_due: number | null
  readonly default_payment_method: string | null
  readonly billing_cycle_anchor: number
}

export interface SubscriptionItem extends StripeObject {
  readonly created: number
  readonly subscription: string
  readonly price: Price
  readonly plan: Plan | null
  readonly quantity: number
  readonly metadata: Metadata
  readonly current_period_start: number
  readonly current_period_end: number
  readonly tax_rates: ReadonlyArray<TaxRate>
}

export type InvoiceStatus = "draft" | "open" | "paid" | "uncollectible" | "void"

export interface Invoice extends StripeObject {
  readonly created: number
  readonly customer: string
  readonly status: InvoiceStatus
  readonly currency: string
  readonly amount_due: number
  readonly amount_paid: number
  readonly amount_remaining: number
  readonly subtotal: number
  readonly total: number
  readonly number: string | null
  readonly collection_method: "charge_automatically" | "send_invoice"
  readonly metadata: Metadata
  readonly parent: {
    readonly subscription_details: { readonly subscription: string; readonly [field: string]: unknown } | null
    readonly [field: string]: unknown
  } | null
  readonly status_transitions: {
    readonly finalized_at: number | null
    readonly marked_uncollectible_at: number | null
    readonly paid_at: number | null
    readonly voided_at: number | null
  }
  readonly post_payment_credit_notes_amount: number
  readonly pre_payment_credit_notes_amount: number
}

export interface InvoiceLineItem extends StripeObject {
  readonly invoice: string
  readonly amount: number
  readonly quantity: number | null
  readonly description: string | null
  readonly subscription: string | null
}

export interface InvoiceItem extends StripeObject {
  readonly customer: string
  readonly date: number
  readonly amount: number
  readonly currency: string
  readonly invoice: string | null
  readonly quantity: number
  readonly description: string | null
  readonly metadata: Metadata
}

export interface Charge extends StripeObject {
  readonly created: number
  readonly amount: number
  readonly amount_captured: number
  readonly amount_refunded: number
  readonly captured: boolean
  readonly refunded: boolean
  readonly disputed: boolean
  readonly currency: string
  readonly customer: string | null
  readonly payment_intent: string | null
  readonly balance_transaction: string | null
  readonly status: "succeeded" | "pending" | "failed"
  readonly metadata: Metadata
}

export interface Refund extends StripeObject {
  readonly created: number
  readonly amount: number
  readonly charge: string
  readonly payment_intent: string | null
  readonly status: string
  readonly metadata: Metadata
}

export interface PaymentIntent extends StripeObject {
  readonly created: number
  readonly amount: number
  readonly currency: string
  readonly customer: string | null
  readonly status:
    | "requires_payment_method"
    | "requires_confirmation"
    | "requires_action"
    | "processing"
    | "requires_capture"
    | "canceled"
    | "succeeded"
  readonly payment_method: string | null
  readonly capture_method: "automatic" | "automatic_async" | "manual"
  readonly latest_charge: string | null
  readonly metadata: Metadata
}

export interface SetupIntent extends StripeObject {
  readonly created: number
  readonly customer: string | null
  readonly status: "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "canceled" | "succeeded"
  readonly payment_method: string | null
  readonly metadata: Metadata
}

export interface PaymentMethod extends StripeObject {
  readonly created: number
  readonly customer: string | null
  readonly type: string
  readonly metadata: Metadata
}

export interface Dispute extends StripeObject {
  readonly created: number
  readonly amount: number
  readonly charge: string
  readonly status: string
  readonly metadata: Metadata
}

export interface Payout extends StripeObject {
  readonly created: number
  readonly amount: number
  readonly arrival_date: number
  readonly status: "paid" | "pending" | "in_transit" | "canceled" | "failed"
  readonly metadata: Metadata
}

export interface BalanceTransaction extends StripeObject {
  readonly created: number
  readonly amount: number
  readonly type: string
  readonly source: string | null
}

export interface CreditNote extends StripeObject {
  readonly created: number
  readonly invoice: string
  readonly customer: string
  readonly status: "issued" | "void"
  readonly metadata: Metadata
}

export interface CreditNoteLineItem extends StripeObject {
  readonly amount: number
}

export interface CheckoutSession extends StripeObject {
  readonly created: number
  readonly customer: string | null
  readonly status: "open" | "complete" | "expired"
  readonly mode: "payment" | "setup" | "subscription"
  readonly payment_status: "paid" | "unpaid" | "no_payment_required"
  readonly expires_at: number
  readonly amount_total: number | null
  readonly currency: string | null
  readonly metadata: Metadata
}

export interface CheckoutLineItem extends StripeObject {
  readonly amount_total: number
  readonly price: Price
  readonly quantity: number
}

export interface ConnectedAccount extends StripeObject {
  readonly created: number
  readonly metadata: Metadata
}

export interface ObjectsByType {
  readonly account: ConnectedAccount
  readonly customer: Customer
  readonly product: Product
  readonly price: Price
  readonly plan: Plan
  readonly coupon: Coupon
  readonly tax_rate: TaxRate
  readonly subscription: Subscription
  readonly subscription_item: SubscriptionItem
  readonly invoice: Invoice
  readonly line_item: InvoiceLineItem
  readonly invoiceitem: InvoiceItem
  readonly charge: Charge
  readonly refund: Refund
  readonly payment_intent: PaymentIntent
  readonly setup_intent: SetupIntent
  readonly payment_method: PaymentMethod
  readonly dispute: Dispute
  readonly payout: Payout
  readonly balance_transaction: BalanceTransaction
  readonly credit_note: CreditNote
  readonly credit_note_line_item: CreditNoteLineItem
  readonly "checkout.session": CheckoutSession
  readonly item: CheckoutLineItem
}

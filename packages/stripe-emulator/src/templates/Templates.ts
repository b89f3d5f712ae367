/**
 * Base objects per type: Stripe's sample object with its placeholder values (fake ids, the
 * `1234567890` timestamp, random integers, example sub-objects) replaced by what a fresh object
 * really holds. Builders spread a template and set their own fields; templates are deep-frozen so an
 * accidental in-place edit of a shared nested value fails loudly instead of leaking across objects.
 */
import { isRecord, type ObjectType } from "../store/StripeObject.js"
import { fixture } from "./Fixtures.js"

type Fields = Readonly<Record<string, unknown>>

const NULL_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null }
const CARD_CHECKS = { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" }

const OVERRIDES: { readonly [K in ObjectType]: { readonly fixture: string; readonly set: Fields; readonly drop?: ReadonlyArray<string> } } = {
  account: {
    fixture: "account",
    set: { email: null, charges_enabled: true, payouts_enabled: true, details_submitted: true, type: "custom", business_type: "company" },
    drop: ["external_accounts"]
  },
  customer: {
    fixture: "customer",
    set: { address: null, discount: null, shipping: null, currency: null }
  },
  product: {
    fixture: "product",
    set: { default_price: null, description: null, package_dimensions: null, type: "service" }
  },
  price: {
    fixture: "price",
    set: { custom_unit_amount: null, transform_quantity: null }
  },
  plan: {
    fixture: "plan",
    set: { transform_usage: null }
  },
  coupon: {
    fixture: "coupon",
    set: { currency: null, duration_in_months: null, redeem_by: null, name: null, percent_off: null }
  },
  tax_rate: {
    fixture: "tax_rate",
    set: { flat_amount: null, rate_type: "percentage", description: null }
  },
  subscription: {
    fixture: "subscription",
    set: {
      automatic_tax: { enabled: false, liability: null, disabled_reason: null },
      billing_cycle_anchor_config: null,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
      items: null,
      next_pending_invoice_item_invoice: null,
      pause_collection: null,
      payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
      pending_invoice_item_interval: null,
      pending_update: null,
      transfer_data: null,
      trial_end: null,
      trial_start: null,
      cancel_at_period_end: false,
      billing_thresholds: null,
      billing_mode: { type: "classic", flexible: null },
      managed_payments: null,
      billing_schedules: []
    }
  },
  subscription_item: {
    fixture: "subscription_item",
    set: { billing_thresholds: null, plan: null }
  },
  invoice: {
    fixture: "invoice",
    set: {
      account_name: "Tributary Emulator",
      automatic_tax: { enabled: false, liability: null, status: null, disabled_reason: null, provider: null },
      customer_address: null,
      customer_shipping: null,
      due_date: null,
      effective_at: null,
      from_invoice: null,
      last_finalization_error: null,
      lines: null,
      next_payment_attempt: null,
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      rendering: null,
      shipping_cost: null,
      shipping_details: null,
      webhooks_delivered_at: null,
      total_pretax_credit_amounts: [],
      total_taxes: [],
      amount_overpaid: 0,
      parent: null
    }
  },
  line_item: {
    fixture: "line_item",
    set: { pretax_credit_amounts: [], taxes: [], quantity_decimal: "1" }
  },
  invoiceitem: {
    fixture: "invoiceitem",
    set: { parent: null, quantity_decimal: "1" }
  },
  charge: {
    fixture: "charge",
    set: {
      billing_details: { address: NULL_ADDRESS, email: null, name: null, phone: null, tax_id: null },
      calculated_statement_descriptor: "TRIBUTARY",
      description: null,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: "approved_by_network",
        reason: null,
        risk_level: "normal",
        risk_score: 32,
        seller_message: "Payment complete.",
        type: "authorized"
      },
      payment_method_details: {
        card: {
          amount_authorized: null,
          brand: "visa",
          checks: CARD_CHECKS,
          country: "US",
          exp_month: 8,
          exp_year: 2030,
          extended_authorization: { status: "disabled" },
          fingerprint: "AOB934RVNwzk6xtn",
          funding: "credit",
          incremental_authorization: { status: "unavailable" },
          installments: null,
          last4: "4242",
          mandate: null,
          multicapture: { status: "unavailable" },
          network: "visa",
          network_token: { used: false },
          overcapture: { maximum_amount_capturable: 0, status: "unavailable" },
          three_d_secure: null,
          wallet: null,
          authorization_code: "123456",
          regulated_status: "unregulated",
          network_transaction_id: "1234567890123456",
          transaction_link_id: null
        },
        type: "card"
      },
      radar_options: {},
      shipping: null,
      transfer_data: null,
      source: null
    },
    drop: ["refunds"]
  },
  refund: {
    fixture: "refund",
    set: {
      destination_details: {
        card: { reference: null, reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
        type: "card"
      }
    }
  },
  payment_intent: {
    fixture: "payment_intent",
    set: {
      canceled_at: null,
      last_payment_error: null,
      next_action: null,
      payment_method_configuration_details: null,
      payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
      processing: null,
      shipping: null,
      transfer_data: null,
      managed_payments: null
    }
  },
  setup_intent: {
    fixture: "setup_intent",
    set: {
      last_setup_error: null,
      next_action: null,
      payment_method_configuration_details: null,
      payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: "automatic" } }
    }
  },
  payment_method: {
    fixture: "payment_method",
    set: {
      billing_details: { address: NULL_ADDRESS, email: null, name: null, phone: null, tax_id: null },
      card: {
        brand: "visa",
        checks: CARD_CHECKS,
        country: "US",
        display_brand: "visa",
        exp_month: 8,
        exp_year: 2030,
        fingerprint: "AOB934RVNwzk6xtn",
        funding: "credit",
        generated_from: null,
        last4: "4242",
        networks: { available: ["visa"], preferred: null },
        three_d_secure_usage: { supported: true },
        wallet: null,
        regulated_status: "unregulated"
      },
      metadata: {}
    }
  },
  dispute: {
    fixture: "dispute",
    set: { enhanced_eligibility_types: [] }
  },
  payout: {
    fixture: "payout",
    set: { automatic: false, reconciliation_status: "not_applicable", status: "pending", trace_id: null }
  },
  balance_transaction: {
    fixture: "balance_transaction",
    set: {}
  },
  credit_note: {
    fixture: "credit_note",
    set: {
      lines: null,
      memo: null,
      shipping_cost: null,
      total_excluding_tax: null,
      voided_at: null,
      pretax_credit_amounts: [],
      total_taxes: [],
      refunds: [],
      post_payment_amount: 0,
      pre_payment_amount: 0
    }
  },
  credit_note_line_item: {
    fixture: "credit_note_line_item",
    set: { pretax_credit_amounts: [], taxes: [], metadata: {} }
  },
  "checkout.session": {
    fixture: "checkout.session",
    set: {
      after_expiration: null,
      automatic_tax: { enabled: false, liability: null, status: null, provider: null },
      consent: null,
      consent_collection: null,
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer_creation: "if_required",
      customer_details: null,
      invoice_creation: null,
      payment_intent: null,
      payment_method_collection: "if_required",
      payment_method_configuration_details: null,
      payment_method_options: { card: { request_three_d_secure: "automatic" } },
      saved_payment_method_options: null,
      shipping_address_collection: null,
      shipping_cost: null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: "hosted",
      adaptive_pricing: { enabled: false },
      discounts: [],
      collected_information: null,
      permissions: null,
      wallet_options: null,
      currency_conversion: null,
      managed_payments: null
    }
  },
  item: {
    fixture: "item",
    set: { metadata: {}, adjustable_quantity: null }
  }
}

const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

const build = (type: ObjectType): Fields => {
  const { fixture: name, set, drop = [] } = OVERRIDES[type]
  const base: Record<string, unknown> = { ...fixture(name), ...set }
  if ("livemode" in base) base["livemode"] = false
  for (const field of drop) delete base[field]
  return deepFreeze(base)
}

/** A nested hash of a template (`charge.outcome`), to spread into a variant. */
export const templateHash = (type: ObjectType, field: string): Readonly<Record<string, unknown>> => {
  const value = template(type)[field]
  return isRecord(value) ? value : {}
}

const built = new Map<ObjectType, Fields>()

/** The frozen base object for a type: spread it, never edit it. */
export const template = (type: ObjectType): Fields => {
  let found = built.get(type)
  if (found === undefined) {
    found = build(type)
    built.set(type, found)
  }
  return found
}

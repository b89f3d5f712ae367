/**
 * Typed columns of the Stripe collections. Foreign ids (`reference`) are indexed.
 * Fields follow the objects of recent API versions; a field an object does not have
 * simply stays null.
 */
import { bigint, boolean, numeric, reference, text, timestamp } from "../Columns.js"
import type { TypedColumn } from "../Columns.js"

const money = [bigint("amount"), text("currency")]

export const stripe: Readonly<Record<string, ReadonlyArray<TypedColumn>>> = {
  customer: [text("email"), text("name"), text("phone"), text("currency"), bigint("balance"), boolean("delinquent")],
  product: [text("name"), boolean("active"), reference("default_price")],
  price: [reference("product"), boolean("active"), text("currency"), bigint("unit_amount"), text("type"),
    text("recurring_interval", "recurring.interval")],
  plan: [reference("product"), boolean("active"), ...money, text("interval")],
  coupon: [text("name"), text("currency"), bigint("amount_off"), numeric("percent_off"), text("duration"), boolean("valid")],
  subscription: [reference("customer"), text("status"), text("currency"), reference("latest_invoice"),
    reference("default_payment_method"), boolean("cancel_at_period_end"), timestamp("canceled_at"),
    timestamp("start_date")],
  subscription_item: [reference("subscription"), reference("price"), reference("plan"), bigint("quantity")],
  invoice: [reference("customer"), reference("subscription"), text("status"), text("currency"), text("number"),
    bigint("amount_due"), bigint("amount_paid"), bigint("amount_remaining"), bigint("total"), timestamp("due_date")],
  invoice_line_item: [reference("invoice"), reference("subscription"), reference("price"), ...money,
    bigint("quantity")],
  invoiceitem: [reference("customer"), reference("invoice"), reference("subscription"), reference("price"),
    ...money, bigint("quantity")],
  charge: [reference("customer"), reference("payment_intent"), reference("invoice"),
    reference("balance_transaction"), ...money, bigint("amount_refunded"), text("status"), boolean("paid"),
    boolean("refunded")],
  refund: [reference("charge"), reference("payment_intent"), reference("balance_transaction"), ...money,
    text("status"), text("reason")],
  payment_intent: [reference("customer"), reference("invoice"), reference("payment_method"),
    reference("latest_charge"), ...money, bigint("amount_received"), text("status")],
  setup_intent: [reference("customer"), reference("payment_method"), text("status"), text("usage")],
  payment_method: [reference("customer"), text("type")],
  dispute: [reference("charge"), reference("payment_intent"), ...money, text("status"), text("reason")],
  payout: [reference("destination"), reference("balance_transaction"), ...money, text("status"),
    timestamp("arrival_date")],
  balance_transaction: [reference("source"), ...money, bigint("fee"), bigint("net"), text("type"),
    text("status"), text("reporting_category"), timestamp("available_on")],
  tax_rate: [text("display_name"), numeric("percentage"), boolean("inclusive"), boolean("active"),
    text("jurisdiction"), text("country")],
  credit_note: [reference("customer"), reference("invoice"), reference("refund"), bigint("amount"),
    text("currency"), text("status"), text("number"), text("reason")],
  credit_note_line_item: [reference("invoice_line_item"), bigint("amount"), bigint("quantity"), text("type")],
  checkout_session: [reference("customer"), reference("subscription"), reference("payment_intent"),
    reference("invoice"), text("status"), text("payment_status"), text("mode"), text("currency"),
    bigint("amount_total"), text("customer_email", "customer_details.email")],
  checkout_session_line_item: [reference("price"), text("currency"), bigint("amount_subtotal"),
    bigint("amount_total"), bigint("quantity")],
  upcoming_invoice: [reference("customer"), reference("subscription"), text("status"), text("currency"),
    bigint("amount_due"), bigint("total")]
}

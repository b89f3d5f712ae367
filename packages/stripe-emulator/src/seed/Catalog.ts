import { createCoupon } from "../domain/coupons.js"
import { createPrice } from "../domain/prices.js"
import { createProduct } from "../domain/products.js"
import { createTaxRate } from "../domain/taxRates.js"
import type { Writer } from "../domain/Writer.js"
import type { Price } from "../store/Objects.js"

/** What customers of a seeded account buy. Enough distinct prices for a 20-item subscription. */
export interface SeedCatalog {
  readonly monthly: ReadonlyArray<Price>
  readonly yearly: ReadonlyArray<Price>
  readonly oneTime: ReadonlyArray<Price>
}

const PLANS = [
  { name: "Starter", monthly: 900 },
  { name: "Growth", monthly: 2900 },
  { name: "Pro", monthly: 7900 },
  { name: "Enterprise", monthly: 24900 }
] as const

const ADD_ONS = 20
const GOODS = 16

export const seedCatalog = (writer: Writer): SeedCatalog => {
  const monthly: Array<Price> = []
  const yearly: Array<Price> = []
  const oneTime: Array<Price> = []
  for (const plan of PLANS) {
    const product = createProduct(writer, {
      name: plan.name,
      description: `The ${plan.name} plan`,
      metadata: { tier: plan.name.toLowerCase() },
      default_price_data: { currency: "usd", unit_amount: plan.monthly, recurring: { interval: "month" } }
    })
    const defaultPrice = product.data.default_price
    const monthlyPrice = defaultPrice === null ? undefined : writer.get("price", defaultPrice)?.data
    if (monthlyPrice !== undefined) monthly.push(monthlyPrice)
    yearly.push(
      createPrice(writer, {
        currency: "usd",
        product: product.id,
        unit_amount: plan.monthly * 10,
        recurring: { interval: "year" },
        nickname: `${plan.name} yearly`,
        lookup_key: `${plan.name.toLowerCase()}_yearly`
      }).data
    )
  }
  for (let index = 0; index < ADD_ONS; index++) {
    const product = createProduct(writer, { name: `Add-on ${index + 1}`, metadata: { kind: "add_on" } })
    monthly.push(createPrice(writer, { currency: "usd", product: product.id, unit_amount: 200 + index * 100, recurring: { interval: "month" } }).data)
  }
  for (let index = 0; index < GOODS; index++) {
    const product = createProduct(writer, { name: `Item ${index + 1}`, type: "good", shippable: true })
    oneTime.push(createPrice(writer, { currency: "usd", product: product.id, unit_amount: 500 + index * 250 }).data)
  }
  createTaxRate(writer, { display_name: "VAT", percentage: 19, inclusive: false, country: "DE", jurisdiction: "DE", tax_type: "vat" })
  createTaxRate(writer, { display_name: "Sales tax", percentage: 8.875, inclusive: false, country: "US", state: "NY", tax_type: "sales_tax" })
  createTaxRate(writer, { display_name: "GST", percentage: 10, inclusive: true, country: "AU", tax_type: "gst" })
  createCoupon(writer, { id: "WELCOME10", percent_off: 10, duration: "once", name: "Welcome" })
  createCoupon(writer, { id: "LOYAL25", percent_off: 25, duration: "repeating", duration_in_months: 3, name: "Loyalty" })
  createCoupon(writer, { amount_off: 500, currency: "usd", duration: "forever", name: "Five off" })
  return { monthly, yearly, oneTime }
}

import { Schema } from "effect"
import { parameterInvalid } from "../http/StripeError.js"
import type { Entry } from "../store/Entry.js"
import type { Customer } from "../store/Objects.js"
import { Address, Arr, Emptyable, Enum, Int, Metadata, Obj, optional, Str } from "../params/Form.js"
import { build, mergeMetadata, pickDefined } from "./Build.js"
import { attachPaymentMethod, detachPaymentMethod } from "./paymentMethods.js"
import { cancelSubscription } from "./subscriptions.js"
import type { Writer } from "./Writer.js"

const Shipping = Emptyable(Obj({ address: Address, name: Str, phone: optional(Emptyable(Str)) }))

const InvoiceSettings = Obj({
  default_payment_method: optional(Emptyable(Str)),
  footer: optional(Emptyable(Str)),
  custom_fields: optional(Emptyable(Arr(Obj({ name: Str, value: Str }))))
})

const CustomerFields = {
  address: optional(Emptyable(Address)),
  balance: optional(Int),
  description: optional(Emptyable(Str)),
  email: optional(Emptyable(Str)),
  invoice_prefix: optional(Str),
  invoice_settings: optional(InvoiceSettings),
  metadata: optional(Metadata),
  name: optional(Emptyable(Str)),
  phone: optional(Emptyable(Str)),
  preferred_locales: optional(Emptyable(Arr(Str))),
  shipping: optional(Shipping),
  tax_exempt: optional(Emptyable(Enum("none", "exempt", "reverse"))),
  expand: optional(Arr(Str))
}

export const CustomerCreateParams = Schema.Struct({ ...CustomerFields, payment_method: optional(Str) })
export type CustomerCreateParams = typeof CustomerCreateParams.Type

export const CustomerUpdateParams = Schema.Struct(CustomerFields)
export type CustomerUpdateParams = typeof CustomerUpdateParams.Type

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

const PLAIN_FIELDS = ["address", "balance", "description", "email", "invoice_prefix", "name", "phone", "shipping"] as const

const EMPTY_INVOICE_SETTINGS = { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null }

const changes = (writer: Writer, params: CustomerUpdateParams, current: Customer | undefined) => {
  if (typeof params.email === "string" && !EMAIL.test(params.email)) {
    throw parameterInvalid("email", `Invalid email address: ${params.email}`, "email_invalid")
  }
  const defaultPaymentMethod = params.invoice_settings?.default_payment_method
  if (typeof defaultPaymentMethod === "string" && writer.get("payment_method", defaultPaymentMethod) === undefined) {
    throw parameterInvalid(
      "invoice_settings[default_payment_method]",
      `No such PaymentMethod: '${defaultPaymentMethod}'`,
      "resource_missing"
    )
  }
  return {
    ...pickDefined(params, PLAIN_FIELDS),
    ...(params.tax_exempt === undefined ? {} : { tax_exempt: params.tax_exempt ?? "none" }),
    ...(params.preferred_locales === undefined ? {} : { preferred_locales: params.preferred_locales ?? [] }),
    ...(params.metadata === undefined ? {} : { metadata: mergeMetadata(current?.metadata ?? {}, params.metadata) }),
    ...(params.invoice_settings === undefined
      ? {}
      : {
          invoice_settings: {
            ...(current?.invoice_settings ?? EMPTY_INVOICE_SETTINGS),
            ...pickDefined(params.invoice_settings, ["default_payment_method", "footer", "custom_fields"])
          }
        })
  }
}

export const createCustomer = (writer: Writer, params: CustomerCreateParams): Entry<Customer> => {
  const customer = writer.create(
    "customer",
    build("customer", {
      id: writer.ids.short("cus"),
      created: writer.now,
      invoice_prefix: writer.ids.secret(8).toUpperCase(),
      ...changes(writer, params, undefined)
    })
  )
  if (params.payment_method !== undefined) attachPaymentMethod(writer, params.payment_method, customer.id, "payment_method")
  return customer
}

export const updateCustomer = (writer: Writer, entry: Entry<Customer>, params: CustomerUpdateParams): void => {
  writer.update("customer", entry, { ...entry.data, ...changes(writer, params, entry.data) })
}

/** Deleting a customer cancels its subscriptions first, as Stripe does; the customer stays as a stub. */
export const deleteCustomer = (writer: Writer, entry: Entry<Customer>): void => {
  for (const subscriptionId of [...writer.store.childrenOf("customer.subscriptions", entry.id)]) {
    const subscription = writer.get("subscription", subscriptionId)
    if (subscription !== undefined && subscription.data.status !== "canceled") cancelSubscription(writer, subscription)
  }
  // As in Stripe, a deleted customer's payment methods are detached (each with its event).
  const held = writer.store.collection("payment_method").values().filter((method) => method.data.customer === entry.id)
  for (const method of held) detachPaymentMethod(writer, method)
  writer.remove("customer", entry, { keepStub: true })
}

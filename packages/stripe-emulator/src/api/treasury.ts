import { Schema } from "effect"
import { cancelPayout, createPayout, PayoutCreateParams, PayoutUpdateParams, updatePayout } from "../domain/payouts.js"
import { Arr, Enum, ListFields, optional, Range, Str } from "../params/Form.js"
import { createdBounds, withinBounds } from "../lists/PageRequest.js"
import { pathParam } from "./ApiRequest.js"
import { retrieveLive } from "./Lookup.js"
import { valueReply } from "./Replies.js"
import { listRoute, reply, retrieveRoute, withParams, type ApiRouter } from "./Routes.js"

const Expand = Schema.Struct({ expand: optional(Arr(Str)) })
const PayoutList = Schema.Struct({
  ...ListFields,
  status: optional(Enum("pending", "paid", "failed", "canceled", "in_transit")),
  arrival_date: optional(Range),
  destination: optional(Str)
})
const BalanceTransactionList = Schema.Struct({ ...ListFields, type: optional(Str), source: optional(Str), payout: optional(Str), currency: optional(Str) })

export const treasuryRoutes = (router: ApiRouter): void => {
  router
    .add("POST", "/v1/payouts", withParams(PayoutCreateParams, (request, params) =>
      reply(request, "payout", createPayout(request.writer(), params), params.expand)))
    .add("GET", "/v1/payouts", listRoute("payout", PayoutList, (params) => {
      const arrival = params.arrival_date === undefined ? undefined : createdBounds(params.arrival_date)
      return (entry) =>
        (params.status === undefined || entry.data.status === params.status) &&
        (params.destination === undefined || entry.data["destination"] === params.destination) &&
        withinBounds(arrival, entry.data.arrival_date)
    }))
    .add("GET", "/v1/payouts/:id", retrieveRoute("payout"))
    .add("POST", "/v1/payouts/:id", withParams(PayoutUpdateParams, (request, params) => {
      const payout = retrieveLive(request.account, "payout", pathParam(request))
      updatePayout(request.writer(), payout, params)
      return reply(request, "payout", payout, params.expand)
    }))
    .add("POST", "/v1/payouts/:id/cancel", withParams(Expand, (request, params) => {
      const payout = retrieveLive(request.account, "payout", pathParam(request))
      cancelPayout(request.writer(), payout)
      return reply(request, "payout", payout, params.expand)
    }))

    .add("GET", "/v1/balance_transactions", listRoute("balance_transaction", BalanceTransactionList, (params) => (entry) =>
      (params.type === undefined || entry.data.type === params.type) &&
      (params.source === undefined || entry.data.source === params.source) &&
      (params.currency === undefined || entry.data["currency"] === params.currency)))
    .add("GET", "/v1/balance_transactions/:id", retrieveRoute("balance_transaction"))
    .add("GET", "/v1/balance/history", listRoute("balance_transaction", BalanceTransactionList, (params) => (entry) =>
      (params.type === undefined || entry.data.type === params.type) &&
      (params.source === undefined || entry.data.source === params.source)))
    .add("GET", "/v1/balance", withParams(Expand, (request) => {
      const totals = new Map<string, number>()
      for (const transaction of request.account.store.collection("balance_transaction").values()) {
        const currency = String(transaction.data["currency"] ?? "usd")
        totals.set(currency, (totals.get(currency) ?? 0) + Number(transaction.data["net"] ?? 0))
      }
      if (totals.size === 0) totals.set("usd", 0)
      const amounts = [...totals].map(([currency, amount]) => ({ amount, currency, source_types: { card: amount } }))
      return valueReply({
        object: "balance",
        available: amounts,
        connect_reserved: amounts.map(({ currency }) => ({ amount: 0, currency })),
        livemode: false,
        pending: amounts.map(({ currency }) => ({ amount: 0, currency, source_types: { card: 0 } }))
      })
    }))
}

import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Harness from "./Harness.js"

describe("sink: records into Postgres", () => {
  it.scopedLive("writes every published record into its collection's table", () =>
    Effect.gen(function*() {
      const env = yield* Harness.env()
      yield* Harness.replica(env)
      const customers = Array.from({ length: 300 }, (_, i) => Harness.record({ upstreamId: `cus_${i}`, updatedIdx: 1 }))
      const invoices = Array.from({ length: 50 }, (_, i) =>
        Harness.record({ collection: "stripe:invoice", upstreamId: `in_${i}`, updatedIdx: 2,
          data: { id: `in_${i}`, customer: `cus_${i}`, status: "paid", amount_due: 100 * i, currency: "usd" } }))
      yield* Harness.publish(env, [...customers, ...invoices])
      yield* Harness.until("all rows", Effect.map(
        Effect.all([Harness.countOf(env, "stripe.customers"), Harness.countOf(env, "stripe.invoices")]),
        ([c, i]) => c === 300 && i === 50))
      const invoice = yield* Harness.rows(env, "select customer, status, amount_due, currency from stripe.invoices where upstream_id = 'in_7'")
      expect(invoice).toEqual([{ customer: "cus_7", status: "paid", amount_due: "700", currency: "usd" }])
    }))
})

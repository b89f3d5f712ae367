import { describe, expect, it } from "vitest"
import { Catalog, EventMapping } from "../src/index.js"

const event = (type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: "evt_1",
  object: "event",
  type,
  created: 1_700_000_000,
  data: { object, ...extra }
})

const list = (ids: ReadonlyArray<string>, hasMore = false) => ({
  object: "list",
  has_more: hasMore,
  url: "/v1/x",
  data: ids.map((id) => ({ id, object: "subscription_item" }))
})

describe("EventMapping.map", () => {
  it("publishes the payload as a reported version of its whole created second, with previous attributes", () => {
    const mapped = EventMapping.map(event("customer.updated", { id: "cus_1", object: "customer", created: 1 }, {
      previous_attributes: { email: "old@example.com" }
    }))
    expect(mapped.observations).toHaveLength(1)
    expect(mapped.observations[0]).toMatchObject({
      collection: Catalog.ids.customer,
      upstreamId: "cus_1",
      deleted: false,
      origin: "reported",
      changeId: "evt_1",
      changes: { email: "old@example.com" },
      version: { from: 1_700_000_000_000, to: 1_700_000_000_999 }
    })
  })

  it("turns *.deleted into a delete, except for subscriptions, which are only canceled", () => {
    expect(EventMapping.map(event("product.deleted", { id: "prod_1", object: "product" })).observations[0]?.deleted).toBe(true)
    const canceled = EventMapping.map(event("customer.subscription.deleted", {
      id: "sub_1",
      object: "subscription",
      status: "canceled",
      items: list(["si_1"])
    }))
    expect(canceled.observations[0]?.deleted).toBe(false)
  })

  it("names the collection from the payload's object type (charge.dispute.* carries a dispute)", () => {
    const mapped = EventMapping.map(event("charge.dispute.created", { id: "dp_1", object: "dispute" }))
    expect(mapped.observations[0]?.collection).toBe(Catalog.ids.dispute)
  })

  it("publishes a parent's children when its nested list is complete, and refreshes the upcoming invoice", () => {
    const mapped = EventMapping.map(event("customer.subscription.updated", {
      id: "sub_1",
      object: "subscription",
      items: list(["si_1", "si_2"])
    }))
    expect(mapped.observations.map((o) => [o.collection, o.upstreamId])).toStrictEqual([
      [Catalog.ids.subscription, "sub_1"],
      [Catalog.ids.subscriptionItem, "si_1"],
      [Catalog.ids.subscriptionItem, "si_2"]
    ])
    expect(new Set(mapped.observations.map((o) => o.changeId)).size).toBe(3)
    expect(mapped.refresh).toStrictEqual([{ collection: Catalog.ids.upcomingInvoice, upstreamId: "sub_1" }])
  })

  it("reads a parent afresh when its nested list is cut at the first page", () => {
    const mapped = EventMapping.map(event("invoice.updated", {
      id: "in_1",
      object: "invoice",
      lines: { ...list(["il_1"], true) },
      parent: { subscription_details: { subscription: "sub_9" } }
    }))
    expect(mapped.observations).toStrictEqual([])
    expect(mapped.refresh).toStrictEqual([
      { collection: Catalog.ids.invoice, upstreamId: "in_1" },
      { collection: Catalog.ids.upcomingInvoice, upstreamId: "sub_9" }
    ])
  })

  it("maps preview invoices to the upcoming invoice of their subscription", () => {
    const mapped = EventMapping.map(event("invoice.upcoming", { object: "invoice", subscription: "sub_2" }))
    expect(mapped).toMatchObject({ observations: [], refresh: [{ collection: Catalog.ids.upcomingInvoice, upstreamId: "sub_2" }] })
  })

  it("reads a charge afresh when a refund changes (its refunds list), and reports a malformed event", () => {
    const mapped = EventMapping.map(event("refund.created", { id: "re_1", object: "refund", charge: "ch_1" }))
    expect(mapped.observations[0]?.collection).toBe(Catalog.ids.refund)
    expect(mapped.refresh).toStrictEqual([{ collection: Catalog.ids.charge, upstreamId: "ch_1" }])
    expect(EventMapping.map({ id: "evt_bad" }).malformed).toHaveLength(1)
  })

  it("ignores objects Tributary does not mirror", () => {
    expect(EventMapping.map(event("customer.discount.created", { id: "di_1", object: "discount" }))).toStrictEqual({
      observations: [],
      malformed: [],
      refresh: []
    })
  })
})

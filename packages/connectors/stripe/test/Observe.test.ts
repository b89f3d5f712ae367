import { Collection } from "@tributary/core"
import { describe, expect, it } from "vitest"
import * as Observe from "../src/internal/Observe.js"

const customers = Collection.make("stripe", "customer")

describe("Observe.partition", () => {
  it("keeps usable objects and reports malformed ones with their id when they have one", () => {
    const { objects, malformed } = Observe.partition(customers, [
      { id: "cus_1", object: "customer" },
      { id: "cus_2" },
      "garbage",
      { object: "customer" }
    ])
    expect(objects.map((o) => o.id)).toStrictEqual(["cus_1"])
    expect(malformed).toStrictEqual([
      { collection: customers, upstreamId: "cus_2", detail: "has no object type" },
      { collection: customers, upstreamId: null, detail: "not a JSON object" },
      { collection: customers, upstreamId: null, detail: "has no id" }
    ])
  })
})

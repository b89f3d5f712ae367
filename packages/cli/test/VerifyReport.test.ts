import { Collection, Ids } from "@tributary/core"
import { describe, expect, it } from "vitest"
import { format } from "../src/commands/verify.js"

const report = (missing: ReadonlyArray<string>) => ({
  sync: Ids.SyncId.make("s1"),
  source: "emulator dump",
  collections: [{
    collection: Collection.CollectionId.make("stripe:customer"),
    table: "stripe.customers",
    expected: 3,
    actual: 3 - missing.length,
    missing,
    extra: [],
    stale: []
  }],
  differences: missing.length
})

describe("verify's report", () => {
  it("counts its differences in words that read right: 1 difference, 2 differences", () => {
    expect(format(report(["cus_1"])).split("\n").at(-1)).toBe("1 difference")
    expect(format(report(["cus_1", "cus_2"])).split("\n").at(-1)).toBe("2 differences")
    expect(format(report([])).split("\n").at(-1)).toBe("0 differences: Postgres is an exact copy")
  })
})

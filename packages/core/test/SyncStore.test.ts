import { describe, expect, it } from "vitest"
import { Collection, SyncStore } from "../src/index.js"

const ids = (...names: Array<string>) => names.map((name) => Collection.CollectionId.make(name))

describe("SyncStore.problemWithCollections", () => {
  it("refuses a collection named twice, at its second place", () => {
    const problem = SyncStore.problemWithCollections("stripe", ids("stripe:customer", "stripe:invoice", "stripe:customer"), undefined)
    expect(problem?.field).toBe("collections[2]")
    expect(problem?.detail).toContain("stripe:customer is named twice")
  })

  it("takes distinct collections of the source", () => {
    expect(SyncStore.problemWithCollections("stripe", ids("stripe:customer", "stripe:invoice"), ids("stripe:customer", "stripe:invoice"))).toBeUndefined()
  })
})

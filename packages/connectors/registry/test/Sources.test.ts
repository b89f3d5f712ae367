import { SyncConfig } from "@tributary/core"
import { describe, expect, it } from "vitest"
import { Sources } from "../src/index.js"

describe("connector registry", () => {
  it("has a connector for every source core accepts, and for no other", () => {
    expect(Object.keys(Sources.sources).sort()).toEqual([...SyncConfig.supportedSources].sort())
    for (const source of SyncConfig.supportedSources) expect(Sources.forSource(source)?.make().source).toBe(source)
    expect(Sources.forSource("github")).toBeUndefined()
    expect(Sources.forSource("toString")).toBeUndefined()
  })

  it("lists each source's collections under that source", () => {
    for (const [source, entry] of Object.entries(Sources.sources)) {
      expect(entry.collections.length).toBeGreaterThan(0)
      for (const collection of entry.collections) expect(collection.startsWith(`${source}:`)).toBe(true)
    }
  })
})

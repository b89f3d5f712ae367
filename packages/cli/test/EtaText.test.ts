import { Ids, SyncStatus } from "@tributary/core"
import { describe, expect, it } from "vitest"
import { etaOf } from "../src/internal/EtaText.js"

const status = (over: Partial<ConstructorParameters<typeof SyncStatus.SyncStatus>[0]>) =>
  new SyncStatus.SyncStatus({ sync_id: Ids.SyncId.make("sync_eta"), phase: "backfilling", progress: {}, updated_at: "2026-12-02T00:00:00Z", ...over })

describe("syncs list's ETA", () => {
  it("gives the ETA once known, and what it waits for until then", () => {
    expect(etaOf(status({ eta_seconds: 42 }))).toBe("eta 42s")
    expect(etaOf(status({ estimating: { work_items: 3, requests: 7 } }))).toBe("eta estimating (3 work items probing)")
    expect(etaOf(status({ estimating: { work_items: 2, requests: 9, eta_seconds_at_least: 12 } })))
      .toBe("eta estimating (2 work items probing, at least 12s)")
    expect(etaOf(status({}))).toBeUndefined()
  })
})

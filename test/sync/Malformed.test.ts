/**
 * A malformed object is logged with its id and skipped; the rest of its collection and every
 * other collection go on, the sync goes live, and the object arrives once Stripe sends it whole.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Api from "./support/Api.js"
import * as Compare from "./support/Compare.js"
import * as Eventually from "./support/Eventually.js"
import * as Harness from "./support/Harness.js"

let h: Harness.Harness
beforeAll(async () => {
  h = await Harness.make({ customers: 10 })
})
afterAll(() => h.close())

describe("malformed payloads", () => {
  it("are logged with the record id and do not stall the other collections", async () => {
    const products = (await Api.call(h, "GET", "/v1/products?limit=100")).data as Array<{ id: string }>
    const product = products[0]?.id ?? ""
    await h.admin.faults({ malformedIds: [product] })
    const logs: Array<string> = []
    await h.replica("r1", { pollIntervalMs: 200 }, logs)
    const sync = await h.createSync()
    await h.waitForPhase(sync.id, ["live"])

    const { byCollection } = await h.records(sync.id)
    expect(Compare.differences(await Compare.expectedDump(h.admin), byCollection)).toStrictEqual([
      { collection: "stripe:product", id: product, problem: "missing" }
    ])
    const logged = logs.map((line) => JSON.parse(line) as { msg: string; upstream_id?: string; sync?: string })
      .find((entry) => entry.upstream_id === product)
    expect(logged).toMatchObject({ sync: sync.id })
    expect(logged?.msg).toMatch(/malformed stripe:product/)
    expect(logged?.msg).toContain(product)

    // Whole again, and changed: its event brings it.
    await h.admin.resetFaults()
    await Api.call(h, "POST", `/v1/products/${product}`, "description=Whole%20again")
    await Eventually.exactCopy(h, sync.id)
  }, 120_000)
})

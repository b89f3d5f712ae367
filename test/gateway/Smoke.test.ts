import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Harness from "./Harness.js"

describe("gateway smoke", () => {
  let stack: Harness.Stack
  beforeAll(async () => {
    stack = await Harness.start(2)
  })
  afterAll(() => stack.close())

  it("receives through replica A and acks through replica B", async () => {
    await Harness.createConsumer(stack, { name: "smoke" })
    await Harness.publishRecords(stack, [1, 2, 3].map((n) => ({ id: `cus_${n}`, idx: 1 })))
    const batch = await Harness.next(stack, 0, "smoke", 10)
    expect(batch.data.map((d) => d.record?.upstream_id)).toEqual(["cus_1", "cus_2", "cus_3"])
    const acked = await Harness.ack(stack, 1, "smoke", batch.data.map((d) => d.ack_token))
    expect(acked.status).toBe(204)
    const again = await Harness.next(stack, 1, "smoke", 10)
    expect(again.data).toEqual([])
  })
})

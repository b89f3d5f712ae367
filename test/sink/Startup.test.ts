/**
 * The sink process with bad configuration exits non-zero at start-up, naming every bad
 * variable at once, before it connects to anything.
 */
import { Child } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import * as SinkProcess from "./support/SinkProcess.js"

describe("sink: start-up configuration", () => {
  it("bad TRIBUTARY_SINK_* values and a bad TRIBUTARY_TABLES: exit 1, all named", async () => {
    const result = await Child.run(process.execPath, ["--import", "tsx", SinkProcess.MAIN], {
      env: {
        PATH: process.env.PATH ?? "",
        TRIBUTARY_SINK_BATCH_SIZE: "0",
        TRIBUTARY_SINK_HOST: " ",
        TRIBUTARY_TABLES: JSON.stringify({ "stripe:customer": { tabel: "billing.customers" } })
      },
      timeoutMs: 30_000
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^invalid configuration: /)
    expect(result.stderr).toContain("TRIBUTARY_SINK_BATCH_SIZE")
    expect(result.stderr).toContain("between 1 and 10000")
    expect(result.stderr).toContain("TRIBUTARY_SINK_HOST")
    expect(result.stderr).toContain("TRIBUTARY_TABLES")
    expect(result.stderr).toContain("[\"tabel\"]")
  })
})

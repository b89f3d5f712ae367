/**
 * The sink process with bad configuration exits non-zero at start-up, naming every bad
 * variable at once, before it connects to anything.
 */
import { Startup } from "@tributary/testkit"
import { describe, expect, it } from "@effect/vitest"
import * as SinkProcess from "./support/SinkProcess.js"

describe("sink: start-up configuration", () => {
  it("bad TRIBUTARY_SINK_* values and a bad TRIBUTARY_TABLES: exit 1, all named", async () => {
    const result = await Startup.run(SinkProcess.MAIN, {
      TRIBUTARY_SINK_BATCH_SIZE: "0",
      TRIBUTARY_SINK_HOST: " ",
      TRIBUTARY_TABLES: JSON.stringify({ "stripe:customer": { tabel: "billing.customers" } })
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^invalid configuration: /)
    expect(result.stderr).toContain("TRIBUTARY_SINK_BATCH_SIZE")
    expect(result.stderr).toContain("between 1 and 10000")
    expect(result.stderr).toContain("TRIBUTARY_SINK_HOST")
    expect(result.stderr).toContain("TRIBUTARY_TABLES")
    expect(result.stderr).toContain("[\"tabel\"]")
  })
  it("bad values across every group the sink reads (NATS, Postgres, log, metrics, sink): exit 1, all named, no secret echoed", async () => {
    const result = await Startup.run(SinkProcess.MAIN, {
      TRIBUTARY_NATS_URL: "http://x",
      TRIBUTARY_POSTGRES_URL: "mysql://user:hunter2@db/x",
      TRIBUTARY_LOG_LEVEL: "loud",
      TRIBUTARY_METRICS_TOKEN: "short-token",
      TRIBUTARY_SINK_CONCURRENCY: "0"
    })
    Startup.expectRefused(result, ["NATS_URL", "POSTGRES_URL", "LOG_LEVEL", "METRICS_TOKEN", "SINK_CONCURRENCY"], ["hunter2", "short-token"])
  })
})

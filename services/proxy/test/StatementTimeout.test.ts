import { describe, expect, it } from "vitest"
import * as StatementTimeout from "../src/writes/StatementTimeout.js"

describe("StatementTimeout", () => {
  it("reads SHOW statement_timeout as Postgres prints it", () => {
    expect(["250ms", "5s", "2min", "1h", "1d", "90", "0", "off", "", undefined].map(StatementTimeout.milliseconds))
      .toEqual([250, 5_000, 120_000, 3_600_000, 86_400_000, 90, undefined, undefined, undefined, undefined])
  })

  it("waits for the API until the smaller of the two, the session's counted from the write's start", () => {
    expect(StatementTimeout.apiWait(30_000, "0", 10)).toEqual({ ms: 30_000 })
    expect(StatementTimeout.apiWait(30_000, "1min", 10)).toEqual({ ms: 30_000 })
    expect(StatementTimeout.apiWait(30_000, "5s", 1_000)).toEqual({ ms: 4_000, statementTimeoutMs: 5_000 })
    expect(StatementTimeout.apiWait(30_000, "200ms", 500)).toEqual({ ms: 0, statementTimeoutMs: 200 })
  })
})

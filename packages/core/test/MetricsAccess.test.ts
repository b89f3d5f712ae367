import { Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { MetricsAccess } from "../src/index.js"

const configured = Option.some(Redacted.make("a-metrics-token-of-some-length"))

describe("MetricsAccess", () => {
  it("lets the metrics token in, and nothing else", () => {
    expect(MetricsAccess.check(configured, "Bearer a-metrics-token-of-some-length")._tag).toBe("Allowed")
    expect(MetricsAccess.check(configured, "Bearer a-metrics-token-of-some-lengtX")).toMatchObject({ _tag: "Refused", status: 401 })
    expect(MetricsAccess.check(configured, "Bearer short")).toMatchObject({ _tag: "Refused", status: 401 })
    expect(MetricsAccess.check(configured, undefined)).toMatchObject({ _tag: "Refused", status: 401 })
    expect(MetricsAccess.check(configured, "Basic a-metrics-token-of-some-length")).toMatchObject({ _tag: "Refused", status: 401 })
  })

  it("keeps /metrics closed when no token is configured, saying how to open it", () => {
    const verdict = MetricsAccess.check(Option.none(), "Bearer anything-at-all-here")
    expect(verdict).toMatchObject({ _tag: "Refused", status: 403 })
    expect(verdict._tag === "Refused" ? verdict.message : "").toContain("TRIBUTARY_METRICS_TOKEN")
  })
})

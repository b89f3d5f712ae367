/**
 * The gateway process with bad configuration exits non-zero at start-up, naming every bad
 * variable of every group it reads at once, before it connects to anything.
 */
import { Child } from "@tributary/testkit"
import { describe, expect, it } from "vitest"

const MAIN = new URL("../../services/consume-gateway/src/main.ts", import.meta.url).pathname

describe("gateway: start-up configuration", () => {
  it("bad values across every group (NATS, secret key, log, metrics, gateway): exit 1, all named, no secret echoed", async () => {
    const result = await Child.run(process.execPath, ["--import", "tsx", MAIN], {
      env: {
        PATH: process.env.PATH ?? "",
        TRIBUTARY_NATS_URL: "http://x",
        TRIBUTARY_SECRET_KEY: "short-secret",
        TRIBUTARY_LOG_LEVEL: "loud",
        TRIBUTARY_METRICS_TOKEN: "short-token",
        TRIBUTARY_GATEWAY_MAX_WAITING: "0"
      },
      timeoutMs: 30_000
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^invalid configuration: /)
    for (const name of ["NATS_URL", "SECRET_KEY", "LOG_LEVEL", "METRICS_TOKEN", "GATEWAY_MAX_WAITING"]) {
      expect(result.stderr).toContain(`TRIBUTARY_${name}`)
    }
    for (const secret of ["short-secret", "short-token"]) expect(result.stderr).not.toContain(secret)
  })
})

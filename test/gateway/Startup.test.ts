/**
 * The gateway process with bad configuration exits non-zero at start-up, naming every bad
 * variable of every group it reads at once, before it connects to anything.
 */
import { Startup } from "@tributary/testkit"
import { describe, it } from "vitest"

const MAIN = new URL("../../services/consume-gateway/src/main.ts", import.meta.url).pathname

describe("gateway: start-up configuration", () => {
  it("bad values across every group (NATS, secret key, log, metrics, gateway): exit 1, all named, no secret echoed", async () => {
    const result = await Startup.run(MAIN, {
      TRIBUTARY_NATS_URL: "http://x",
      TRIBUTARY_SECRET_KEY: "short-secret",
      TRIBUTARY_LOG_LEVEL: "loud",
      TRIBUTARY_METRICS_TOKEN: "short-token",
      TRIBUTARY_GATEWAY_MAX_WAITING: "0"
    })
    Startup.expectRefused(result, ["NATS_URL", "SECRET_KEY", "LOG_LEVEL", "METRICS_TOKEN", "GATEWAY_MAX_WAITING"], ["short-secret", "short-token"])
  })
})

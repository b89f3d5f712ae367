import { describe, expect, it } from "vitest"
import { main, parseCli, USAGE } from "../src/cli.js"
import { eventually, startEmulator, stripeFor } from "./support/Harness.js"

describe("command line", () => {
  it("prints its URL and keys, serves until told to stop, and stops cleanly", async () => {
    const lines: Array<string> = []
    let stop: () => void = () => {}
    const stopSignal = new Promise<void>((resolve) => {
      stop = resolve
    })
    const running = main(["--port", "0", "--customers", "6", "--keys", "2", "--rate-limit", "0"], { log: (line) => lines.push(line), error: (line) => lines.push(line), stopSignal })
    const url = await eventually(async () => /listening on (http:\/\/\S+)/.exec(lines[0] ?? "")?.[1])
    const keys = lines.flatMap((line) => /secret key (sk_test_\w+)/.exec(line)?.[1] ?? [])
    expect(keys).toHaveLength(2)
    const { hostname, port } = new URL(url)
    const stripe = stripeFor({ host: hostname, port: Number(port), apiKeys: keys })
    expect((await stripe.customers.list({ limit: 100 })).data).toHaveLength(6)
    stop()
    expect(await running).toBe(0)
    await expect(stripe.customers.list()).rejects.toThrow()
  })

  it("parses options, defaults and explicit keys", () => {
    expect(parseCli([]).options).toMatchObject({ port: 12111, host: "127.0.0.1", seed: 42, deterministicIds: false, customers: 0, apiKeys: 1, rateLimitPerSecond: 100 })
    expect(parseCli(["--deterministic-ids"]).options).toMatchObject({ deterministicIds: true })
    expect(parseCli(["--api-key", "sk_test_a", "--api-key", "sk_test_b", "--seed", "7"]).options).toMatchObject({ apiKeys: ["sk_test_a", "sk_test_b"], seed: 7 })
  })

  it("explains bad arguments and --help", async () => {
    const out: Array<string> = []
    expect(await main(["--port", "abc"], { log: (line) => out.push(line), error: (line) => out.push(line) })).toBe(2)
    expect(out.join("\n")).toContain("--port must be a non-negative integer")
    expect(await main(["--help"], { log: (line) => out.push(line), error: (line) => out.push(line) })).toBe(0)
    expect(out.join("\n")).toContain("Usage: tributary emulator stripe")
  })

  it("names the port in one line and exits non-zero when it cannot listen", async () => {
    const occupant = await startEmulator()
    try {
      const out: Array<string> = []
      const code = await main(["--port", String(occupant.port)], { log: (line) => out.push(line), error: (line) => out.push(line), stopSignal: new Promise(() => {}) })
      expect(code).toBe(1)
      expect(out).toHaveLength(1)
      expect(out[0]).toContain(`port ${occupant.port}`)
      expect(out[0]).toContain("already in use")
      expect(out[0]).not.toContain("\n")
    } finally {
      await occupant.stop()
    }
  })

  it("documents every field --json prints", () => {
    expect(USAGE).toContain("{url, api_keys, accounts, seeded}")
  })
})

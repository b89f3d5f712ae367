/**
 * The proxy process with bad configuration exits non-zero at start-up, naming every bad
 * variable at once, before it connects to anything.
 */
import { Child } from "@tributary/testkit"
import { describe, expect, it } from "vitest"

const MAIN = new URL("../../services/proxy/src/main.ts", import.meta.url).pathname

const start = (env: Record<string, string>) =>
  Child.run(process.execPath, ["--import", "tsx", MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    timeoutMs: 30_000
  })

describe("proxy: start-up configuration", () => {
  it("a bad TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS, a blank TRIBUTARY_PROXY_HOST and a missing upstream URL: exit 1, all named", async () => {
    const result = await start({ TRIBUTARY_PROXY_WORKERS: "1", TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS: "0", TRIBUTARY_PROXY_HOST: " " })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^invalid configuration: /)
    expect(result.stderr).toContain("TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS")
    expect(result.stderr).toContain("TRIBUTARY_PROXY_UPSTREAM_URL")
    // A blank address, as for every other service's host.
    expect(result.stderr).toContain("TRIBUTARY_PROXY_HOST")
  })

  it("a worker per core: the replica exits 1 too, rather than restarting workers that cannot start", async () => {
    const result = await start({ TRIBUTARY_PROXY_WORKERS: "2", TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS: "soon" })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("TRIBUTARY_PROXY_NATS_READ_TIMEOUT_MS")
  })

  it("a bad TRIBUTARY_PROXY_WORKERS: exit 1, named, as any other setting is (no stack trace)", async () => {
    const result = await start({ TRIBUTARY_PROXY_WORKERS: "lots" })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^invalid configuration: TRIBUTARY_PROXY_WORKERS must be an integer from 1 to 64, not "lots"\n$/)
  })
})

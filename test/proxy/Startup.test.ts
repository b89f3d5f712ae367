/**
 * The proxy process with bad configuration exits non-zero at start-up, naming every bad
 * variable at once, before it connects to anything.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Startup } from "@tributary/testkit"
import { describe, expect, it } from "vitest"

const MAIN = new URL("../../services/proxy/src/main.ts", import.meta.url).pathname

const start = (env: Record<string, string>) => Startup.run(MAIN, env)

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
    const result = await start({
      TRIBUTARY_PROXY_WORKERS: "lots",
      TRIBUTARY_PROXY_UPSTREAM_URL: "postgres://reader@db/x",
      TRIBUTARY_POSTGRES_URL: "postgres://writer@db/x",
      TRIBUTARY_SECRET_KEY: "a-secret-key-of-at-least-32-characters"
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toBe('invalid configuration: (Invalid data at TRIBUTARY_PROXY_WORKERS: "must be an integer from 1 to 64, not "lots"")\n')
  })
  it("bad values across every group the proxy reads (NATS, Postgres, secret key, log, metrics, proxy, tables): exit 1, all named, no secret echoed", async () => {
    const result = await start({
      TRIBUTARY_PROXY_WORKERS: "1",
      TRIBUTARY_NATS_URL: "http://x",
      TRIBUTARY_POSTGRES_URL: "mysql://user:hunter2@db/x",
      TRIBUTARY_SECRET_KEY: "short-secret",
      TRIBUTARY_LOG_LEVEL: "loud",
      TRIBUTARY_METRICS_TOKEN: "short-token",
      TRIBUTARY_PROXY_PORT: "99999",
      TRIBUTARY_PROXY_UPSTREAM_URL: "postgres://reader:s3cret-reader@db/x",
      TRIBUTARY_TABLES: "{"
    })
    Startup.expectRefused(
      result,
      ["NATS_URL", "POSTGRES_URL", "SECRET_KEY", "LOG_LEVEL", "METRICS_TOKEN", "PROXY_PORT", "TABLES"],
      ["hunter2", "short-secret", "short-token", "s3cret-reader"]
    )
  })

  it("a bad TRIBUTARY_PROXY_WORKERS with other bad values: all named, once, before any worker is forked", async () => {
    const result = await start({ TRIBUTARY_PROXY_WORKERS: "lots", TRIBUTARY_NATS_URL: "http://x", TRIBUTARY_SECRET_KEY: "short-secret" })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^invalid configuration: /)
    expect(result.stderr.split("invalid configuration").length).toBe(2)
    for (const name of ["PROXY_WORKERS", "NATS_URL", "SECRET_KEY"]) expect(result.stderr).toContain(`TRIBUTARY_${name}`)
  })

  it("several workers and bad values: the primary reports them once, rather than every worker", async () => {
    const result = await start({ TRIBUTARY_PROXY_WORKERS: "3", TRIBUTARY_NATS_URL: "http://x", TRIBUTARY_PROXY_API_TIMEOUT_MS: "0" })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/^invalid configuration: /)
    expect(result.stderr.split("invalid configuration").length).toBe(2)
    expect(result.stderr).not.toContain("proxy worker")
    for (const name of ["NATS_URL", "PROXY_API_TIMEOUT_MS", "PROXY_UPSTREAM_URL"]) expect(result.stderr).toContain(`TRIBUTARY_${name}`)
  })

  describe("TLS files the proxy cannot use", () => {
    // Everything else valid: the files are the only thing wrong.
    const valid = {
      TRIBUTARY_PROXY_UPSTREAM_URL: "postgres://reader:pw@127.0.0.1:1/x",
      TRIBUTARY_POSTGRES_URL: "postgres://writer:pw@127.0.0.1:1/x",
      TRIBUTARY_SECRET_KEY: "a-secret-key-of-at-least-32-characters",
      TRIBUTARY_PROXY_PORT: "0",
      TRIBUTARY_PROXY_HTTP_PORT: "0"
    }
    const notHere = join(tmpdir(), "tributary-no-such-dir", "cert.pem")

    it.each(["1", "2"])("a certificate that cannot be read, %s worker(s): exit 1 naming the variable and the path, no stack, no restarts", async (workers) => {
      const result = await start({ ...valid, TRIBUTARY_PROXY_WORKERS: workers, TRIBUTARY_PROXY_TLS_CERT: notHere, TRIBUTARY_PROXY_TLS_KEY: notHere })
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(/^invalid configuration: /)
      expect(result.stderr).toContain("TRIBUTARY_PROXY_TLS_CERT")
      expect(result.stderr).toContain(notHere)
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expect(result.stderr.split("invalid configuration").length).toBe(2)
    })

    it("a certificate without its key: exit 1 naming the variable that is missing", async () => {
      const result = await start({ ...valid, TRIBUTARY_PROXY_WORKERS: "1", TRIBUTARY_PROXY_TLS_CERT: notHere })
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(/^invalid configuration: /)
      expect(result.stderr).toContain("TRIBUTARY_PROXY_TLS_KEY")
    })

    it("files that are not a certificate and key: exit 1 naming both variables", async () => {
      const dir = mkdtempSync(join(tmpdir(), "tributary-tls-"))
      const bogus = join(dir, "bogus.pem")
      writeFileSync(bogus, "not a PEM file\n")
      try {
        const result = await start({ ...valid, TRIBUTARY_PROXY_WORKERS: "1", TRIBUTARY_PROXY_TLS_CERT: bogus, TRIBUTARY_PROXY_TLS_KEY: bogus })
        expect(result.status).toBe(1)
        expect(result.stderr).toMatch(/^invalid configuration: /)
        expect(result.stderr).toContain("TRIBUTARY_PROXY_TLS_CERT")
        expect(result.stderr).toContain("TRIBUTARY_PROXY_TLS_KEY")
        expect(result.stderr).not.toMatch(/\n\s+at /)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
})

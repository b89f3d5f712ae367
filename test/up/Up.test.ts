/**
 * `npm run up` end to end: the stack comes up, `up.json` holds working connection URLs,
 * and a signal stops everything without leaving a process behind.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, chmodSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Fixtures } from "@tributary/testkit"
import { afterAll, describe, expect, it } from "vitest"

const home = mkdtempSync(join(tmpdir(), "tributary-up-"))
chmodSync(home, 0o755)
afterAll(() => rmSync(home, { recursive: true, force: true }))

const processesUsing = (path: string): Array<string> =>
  spawnSync("ps", ["-eo", "pid,args"], { encoding: "utf8" }).stdout.split("\n").filter((line) => line.includes(path))

describe("npm run up", () => {
  it("brings the stack up, writes up.json, and stops cleanly on SIGTERM", async () => {
    const up = spawn(process.execPath, ["scripts/up.mjs"], {
      env: { ...process.env, TRIBUTARY_UP_HOME: home },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    up.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    up.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => up.once("exit", (code) => resolve(code)))

    await Fixtures.waitFor("the stack to be up", () => (output.includes("press Ctrl-C") ? true : undefined), {
      timeoutMs: 300_000,
      intervalMs: 100
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output}`)
    })

    const upJson = JSON.parse(readFileSync(join(home, "up.json"), "utf8")) as Record<string, string>
    expect(upJson.nats_url).toMatch(/^nats:\/\//)
    const psql = (url: string | undefined, sql: string) =>
      spawnSync("psql", [url ?? "", "-tAc", sql], { encoding: "utf8" })
    const ping = psql(upJson.postgres_url, "select 1")
    expect(ping.stderr).toBe("")
    expect(ping.stdout.trim()).toBe("1")
    expect(processesUsing(home).length).toBeGreaterThan(0)

    // The demo: the emulator's account flows through the sync and the sink into Postgres.
    expect(upJson.emulator_url).toMatch(/^http:\/\//)
    expect(upJson.emulator_api_key).toMatch(/^sk_test_/)
    const customers = await Fixtures.waitFor("demo customers in Postgres", () => {
      const count = Number(psql(upJson.postgres_url, "select count(*) from stripe.customers").stdout.trim())
      return count > 0 ? count : undefined
    }, { timeoutMs: 120_000, intervalMs: 500 })
    expect(customers).toBeGreaterThan(0)

    // The gateway answers with the admin token, and refuses without it.
    const syncs = await fetch(`${upJson.gateway_url}/v1/syncs`, { headers: { authorization: `Bearer ${upJson.gateway_token}` } })
    expect(syncs.status).toBe(200)
    expect((await fetch(`${upJson.gateway_url}/v1/syncs`)).status).toBe(401)

    // The proxy serves reads with the demo sync's credentials.
    const viaProxy = psql(upJson.proxy_url, "select count(*) from stripe.customers")
    expect(viaProxy.stderr).toBe("")
    expect(Number(viaProxy.stdout.trim())).toBeGreaterThan(0)

    up.kill("SIGTERM")
    expect(await exited).toBe(0)
    expect(output).toContain("stopped")
    await Fixtures.waitFor("every process of the stack to exit", () =>
      processesUsing(home).length === 0 ? true : undefined)
  }, 600_000)
})

/**
 * `npm run up` end to end: the stack comes up, `up.json` holds working connection URLs,
 * a signal stops everything without leaving a process behind, and a second run starts
 * again on the same data.
 */
import { spawn } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Child, Fixtures } from "@tributary/testkit"
import { afterAll, describe, expect, it } from "vitest"

const home = mkdtempSync(join(tmpdir(), "tributary-up-"))
chmodSync(home, 0o755)
afterAll(() => rmSync(home, { recursive: true, force: true }))

const processesUsing = async (path: string): Promise<Array<string>> =>
  (await Child.run("ps", ["-eo", "pid,args"])).stdout.split("\n").filter((line) => line.includes(path))

interface RunningUp {
  readonly output: () => string
  /** SIGTERM, then the exit code. */
  readonly stop: () => Promise<number | null>
}

/** `npm run up` on `home`, once it printed that it is up. */
const startUp = async (): Promise<RunningUp> => {
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
    up.kill("SIGTERM")
    throw new Error(`${String(error)}\n${output}`)
  })
  return {
    output: () => output,
    stop: () => {
      up.kill("SIGTERM")
      return exited
    }
  }
}

const readUpJson = () => JSON.parse(readFileSync(join(home, "up.json"), "utf8")) as Record<string, string>

const psql = (url: string | undefined, sql: string) => Child.run("psql", [url ?? "", "-tAc", sql])

describe("npm run up", () => {
  it("brings the stack up, writes up.json, stops cleanly on SIGTERM, and starts again on the same data", async () => {
    const up = await startUp()
    const upJson = readUpJson()
    expect(upJson.nats_url).toMatch(/^nats:\/\//)
    const ping = await psql(upJson.postgres_url, "select 1")
    expect(ping.stderr).toBe("")
    expect(ping.stdout.trim()).toBe("1")
    expect((await processesUsing(home)).length).toBeGreaterThan(0)

    // The demo: the emulator's account flows through the sync and the sink into Postgres.
    expect(upJson.emulator_url).toMatch(/^http:\/\//)
    expect(upJson.emulator_api_key).toMatch(/^sk_test_/)
    const customers = await Fixtures.waitFor("demo customers in Postgres", async () => {
      const count = Number((await psql(upJson.postgres_url, "select count(*) from stripe.customers")).stdout.trim())
      return count > 0 ? count : undefined
    }, { timeoutMs: 120_000, intervalMs: 500 })
    expect(customers).toBeGreaterThan(0)

    // `. .tributary/env` points the CLI at this stack, whatever ports it got, with the secret
    // key `syncs create` and `verify` need.
    expect(statSync(join(home, "env")).mode & 0o777).toBe(0o600)
    const cli = (args: string) =>
      Child.run("sh", ["-c", `. '${join(home, "env")}' && exec '${process.execPath}' --import tsx packages/cli/src/main.ts ${args}`], {
        env: { PATH: process.env.PATH ?? "" },
        timeoutMs: 120_000
      })
    const listed = await cli("syncs list")
    expect(listed.stderr).toBe("")
    expect(listed.stdout).toMatch(/^demo\s+stripe\s+active/m)
    // Proxy credentials made from that shell name this stack's proxy, whatever port it got.
    const credentials = await cli("proxy credentials create --sync demo --name up-test")
    expect(credentials.stderr).toBe("")
    expect(credentials.stdout).toContain(`@${new URL(upJson.proxy_url ?? "").host}/`)
    const verified = await cli("verify --sync demo --json")
    expect(verified.stderr).toBe("")
    expect(verified.stdout).toContain("\"sync\": \"demo\"")

    // The gateway answers with the admin token, and refuses without it.
    const syncs = await fetch(`${upJson.gateway_url}/v1/syncs`, { headers: { authorization: `Bearer ${upJson.gateway_token}` } })
    expect(syncs.status).toBe(200)
    expect((await fetch(`${upJson.gateway_url}/v1/syncs`)).status).toBe(401)

    // A consumer of the demo's customers: created, received from and acked over HTTP.
    const gateway = (path: string, init: RequestInit = {}) =>
      fetch(`${upJson.gateway_url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${upJson.gateway_token}`, "content-type": "application/json" }
      })
    const created = await gateway("/v1/consumers", {
      method: "POST",
      body: JSON.stringify({ name: "up-test", filters: { collection_id: "stripe:customer" } })
    })
    expect(created.status, await created.clone().text()).toBe(201)
    const next = await gateway("/v1/consumers/up-test/next?batch_size=5&wait_for=5000")
    const batch = await next.json() as { data: Array<{ ack_token: string; record: { collection_id: string } }> }
    expect(batch.data.length).toBeGreaterThan(0)
    expect(batch.data.every((m) => m.record.collection_id === "stripe:customer")).toBe(true)
    const acked = await gateway("/v1/consumers/up-test/ack", {
      method: "POST",
      body: JSON.stringify({ ack_tokens: batch.data.map((m) => m.ack_token) })
    })
    expect(acked.status).toBe(204)

    // The proxy serves reads with the demo sync's credentials, and writes to the emulator.
    const viaProxy = await psql(upJson.proxy_url, "select count(*) from stripe.customers")
    expect(viaProxy.stderr).toBe("")
    expect(Number(viaProxy.stdout.trim())).toBeGreaterThan(0)
    const inserted = await psql(upJson.proxy_url, "insert into stripe.customers (email) values ('up@example.com') returning upstream_id")
    expect(inserted.stderr).toBe("")
    const firstId = inserted.stdout.trim().split("\n")[0] ?? ""
    const customer = await fetch(`${upJson.emulator_url}/v1/customers/${firstId}`, {
      headers: { authorization: `Bearer ${upJson.emulator_api_key}` }
    })
    expect((await customer.json() as { email: string }).email).toBe("up@example.com")

    expect(await up.stop()).toBe(0)
    expect(up.output()).toContain("stopped")
    await Fixtures.waitFor("every process of the stack to exit", async () =>
      (await processesUsing(home)).length === 0 ? true : undefined)

    // Again, on the same NATS and Postgres data with a new emulator of the same seed: the
    // recreated demo sync finds the first run's customer gone (a deleted row), and a customer
    // inserted now gets an id of its own, not that one again (which would bring the row back).
    const again = await startUp()
    const secondRun = readUpJson()
    await Fixtures.waitFor("the first run's customer to be a deleted row of demo", async () => {
      const deleted = await psql(secondRun.postgres_url, `select deleted from stripe.customers where upstream_id = '${firstId}'`)
      return deleted.stdout.trim() === "t" ? true : undefined
    }, { timeoutMs: 120_000, intervalMs: 500 })
    const reinserted = await psql(secondRun.proxy_url, "insert into stripe.customers (email) values ('up-again@example.com') returning upstream_id")
    expect(reinserted.stderr).toBe("")
    const secondId = reinserted.stdout.trim().split("\n")[0] ?? ""
    expect(secondId).toMatch(/^cus_/)
    expect(secondId).not.toBe(firstId)
    const rows = await Fixtures.waitFor("both customers in Postgres", async () => {
      const found = await psql(secondRun.postgres_url, `select upstream_id, deleted, email from stripe.customers where upstream_id in ('${firstId}', '${secondId}') order by deleted`)
      const lines = found.stdout.trim().split("\n")
      return lines.length === 2 ? lines : undefined
    }, { timeoutMs: 60_000, intervalMs: 250 })
    expect(rows).toEqual([`${secondId}|f|up-again@example.com`, `${firstId}|t|up@example.com`])

    expect(await again.stop()).toBe(0)
    await Fixtures.waitFor("every process of the second run to exit", async () =>
      (await processesUsing(home)).length === 0 ? true : undefined)
  }, 900_000)
})

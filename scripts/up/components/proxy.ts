/**
 * The Postgres proxy, in front of the local Postgres, logged in upstream as a client role
 * that may only read synced tables; and proxy credentials for the demo sync, published as
 * `proxy_url` (psql "$proxy_url" reads and writes the demo data).
 */
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { Ports } from "@tributary/testkit/servers"
import pg from "pg"
import type { Component } from "../Component.js"
import { waitForReady } from "../Ready.js"

const CLIENT_ROLE = "tributary_client"

const ensureClientRole = async (ownerUrl: string): Promise<string> => {
  const password = randomBytes(18).toString("base64url")
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    const exists = await client.query("select 1 from pg_roles where rolname = $1", [CLIENT_ROLE])
    // A new password every run: nothing but the proxy logs in as this role.
    await client.query(`${exists.rowCount === 0 ? "create" : "alter"} role ${CLIENT_ROLE} login password '${password}'`)
    const database = new URL(ownerUrl).pathname.slice(1)
    await client.query(`grant connect on database "${database}" to ${CLIENT_ROLE}`)
  } finally {
    await client.end()
  }
  return Object.assign(new URL(ownerUrl), { username: CLIENT_ROLE, password }).toString()
}


export const proxy: Component = {
  name: "Postgres proxy",
  start: async (context) => {
    const port = await Ports.preferPort(5434)
    const httpPort = await Ports.preferPort(8093)
    // `tributary proxy credentials create` prints URLs with it, rather than 5434's.
    const cliEnv = { TRIBUTARY_PROXY_ADDRESS: `127.0.0.1:${port}` }
    const env = {
      TRIBUTARY_NATS_URL: context.natsUrl,
      TRIBUTARY_POSTGRES_URL: context.postgresUrl,
      TRIBUTARY_PROXY_UPSTREAM_URL: await ensureClientRole(context.postgresUrl),
      TRIBUTARY_PROXY_HOST: "127.0.0.1",
      TRIBUTARY_PROXY_PORT: String(port),
      TRIBUTARY_PROXY_HTTP_PORT: String(httpPort),
      TRIBUTARY_SECRET_KEY: context.secretKey
    }
    const child = context.spawn("proxy", process.execPath, ["--import", "tsx", "services/proxy/src/main.ts"], env)
    await waitForReady("proxy", `http://127.0.0.1:${httpPort}/readyz`, child, 30_000)

    const demoSync = context.published.demo_sync_id
    if (typeof demoSync !== "string") {
      return {
        published: { proxy_port: port, proxy_http_url: `http://127.0.0.1:${httpPort}` },
        cliEnv,
        summary: `proxy         127.0.0.1:${port} (no demo sync, so no credentials)`
      }
    }
    const database = new URL(context.postgresUrl).pathname.slice(1)
    const issued = spawnSync(process.execPath, [
      "--import", "tsx", "packages/cli/src/main.ts", "proxy", "credentials", "create",
      "--sync", demoSync, "--name", "demo", "--host", `127.0.0.1:${port}`, "--database", database
    ], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 })
    const url = /^url\s+(\S+)/m.exec(issued.stdout)?.[1]
    if (issued.status !== 0 || url === undefined) {
      throw new Error(`could not create the demo proxy credentials:\n${issued.stderr}${issued.stdout}`)
    }
    return {
      published: { proxy_url: url, proxy_http_url: `http://127.0.0.1:${httpPort}` },
      cliEnv,
      summary: `proxy         ${url.replace(/:[^:@/]+@/, ":***@")} (psql "$(jq -r .proxy_url .tributary/up.json)")`
    }
  }
}

/**
 * The consume gateway (management API and HTTP consume API), and an admin token for it,
 * made with `tributary tokens create` like an operator would.
 */
import { spawnSync } from "node:child_process"
import { Ports } from "@tributary/testkit/servers"
import type { Component } from "../Component.js"
import { waitForReady } from "../Ready.js"


export const gateway: Component = {
  name: "consume gateway and an admin token",
  start: async (context) => {
    const port = await Ports.preferPort(8080)
    const env = {
      TRIBUTARY_NATS_URL: context.natsUrl,
      TRIBUTARY_SECRET_KEY: context.secretKey,
      TRIBUTARY_GATEWAY_PORT: String(port),
      TRIBUTARY_GATEWAY_HOST: "127.0.0.1"
    }
    const child = context.spawn("gateway", process.execPath, ["--import", "tsx", "services/consume-gateway/src/main.ts"], env)
    const url = `http://127.0.0.1:${port}`
    await waitForReady("gateway", `${url}/readyz`, child, 120_000)
    const created = spawnSync(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", "tokens", "create", "--name", "up-admin"], {
      env: { ...process.env, ...env },
      encoding: "utf8",
      // A CLI step that hangs (NATS unreachable) fails the start instead of holding it.
      timeout: 60_000
    })
    const token = created.stdout.trim()
    if (created.status !== 0 || token === "") throw new Error(`could not create the gateway token:\n${created.stderr}${created.stdout}`)
    return {
      published: { gateway_url: url, gateway_token: token },
      summary: `gateway       ${url} (/openapi.json); token in .tributary/up.json (gateway_token)`
    }
  }
}

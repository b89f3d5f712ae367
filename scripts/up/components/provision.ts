/** Streams and buckets, provisioned the way a Helm install does it: `tributary provision`. */
import { spawnSync } from "node:child_process"
import type { Component } from "../Component.js"

export const provision: Component = {
  name: "provisioning (streams and KV buckets)",
  start: async (context) => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", "provision"], {
      env: { ...process.env, TRIBUTARY_NATS_URL: context.natsUrl },
      encoding: "utf8",
      timeout: 60_000
    })
    if (result.status !== 0) {
      throw new Error(`provisioning failed:\n${result.error?.message ?? ""}${result.stderr}${result.stdout}`)
    }
    return { published: {}, summary: "streams       RECORDS, EVENTS, SYNC_LOG and the KV buckets" }
  }
}

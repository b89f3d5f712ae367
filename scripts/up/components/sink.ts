/**
 * The sink: RECORDS into Postgres tables (`stripe.customers`, …), so the demo sync's
 * records can be queried with psql within seconds.
 */
import { Ports } from "@tributary/testkit/servers"
import type { Component } from "../Component.js"

const waitForReady = async (url: string): Promise<void> => {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.ok, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the sink did not become ready at ${url} within 60 s; see .tributary/logs/sink.log`)
}

export const sink: Component = {
  name: "sink (RECORDS into Postgres)",
  start: async (context) => {
    const port = await Ports.preferPort(8083)
    context.spawn("sink", process.execPath, ["--import", "tsx", "services/sink/src/main.ts"], {
      TRIBUTARY_NATS_URL: context.natsUrl,
      TRIBUTARY_POSTGRES_URL: context.postgresUrl,
      TRIBUTARY_SINK_PORT: String(port)
    })
    const url = `http://127.0.0.1:${port}`
    await waitForReady(`${url}/readyz`)
    return {
      published: { sink_url: url },
      summary: `sink          ${url} (/readyz, /metrics); psql "$postgres_url" -c 'select count(*) from stripe.customers'`
    }
  }
}

/**
 * The sink: RECORDS into Postgres tables (`stripe.customers`, …), so the demo sync's
 * records can be queried with psql within seconds.
 */
import { Ports } from "@tributary/testkit/servers"
import type { Component } from "../Component.js"
import { waitForReady } from "../Ready.js"


export const sink: Component = {
  name: "sink (RECORDS into Postgres)",
  start: async (context) => {
    const port = await Ports.preferPort(8083)
    const child = context.spawn("sink", process.execPath, ["--import", "tsx", "services/sink/src/main.ts"], {
      TRIBUTARY_NATS_URL: context.natsUrl,
      TRIBUTARY_POSTGRES_URL: context.postgresUrl,
      TRIBUTARY_SINK_PORT: String(port),
      TRIBUTARY_SINK_HOST: "127.0.0.1"
    })
    const url = `http://127.0.0.1:${port}`
    await waitForReady("sink", `${url}/readyz`, child, 60_000)
    return {
      published: { sink_url: url },
      summary: `sink          ${url} (/readyz, /metrics); psql "$(jq -r .postgres_url .tributary/up.json)" -c 'select count(*) from stripe.customers'`
    }
  }
}

/** The connectors this service can run, by source. Adding a source is one line here. */
import type { Connector } from "@tributary/core"
import { StripeConnector } from "@tributary/connector-stripe"
import type { SyncSettings } from "./Settings.js"

export const forSource = (source: string, settings: SyncSettings): Connector.Connector | undefined => {
  switch (source) {
    case "stripe":
      return StripeConnector.make({
        feed: {
          lookbackSeconds: 2,
          overlapSeconds: settings.overlapSeconds,
          rescanIntervalMs: settings.rescanIntervalMs,
          chunkSeconds: 300,
          sweepIntervalMs: settings.sweepIntervalMs
        }
      })
    default:
      return undefined
  }
}

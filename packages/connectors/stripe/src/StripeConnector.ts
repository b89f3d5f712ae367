/**
 * The Stripe connector: Tributary's engine talks to Stripe only through this, and this
 * talks to Stripe only through the official SDK.
 */
import { Ids } from "@tributary/core"
import type { Connector } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import * as Client from "./Client.js"
import * as Events from "./Events.js"
import * as Listings from "./Listings.js"
import * as Nested from "./Nested.js"
import * as RateLimit from "./RateLimit.js"
import * as Refresh from "./Refresh.js"
import * as Writes from "./Writes.js"

export interface Options {
  readonly feed?: Events.FeedOptions
}

export const collections: ReadonlyArray<Connector.CollectionSpec> = Catalog.entries.map((entry) =>
  entry.nested?.child === undefined ? { id: entry.id } : { id: entry.id, childrenOf: Nested.childrenOf(entry) }
)

/**
 * The nested lists Stripe shows only when asked (`charge.refunds`), which this connector
 * reads expanded and keeps whole in the parent's record, named `<object>.<field>`.
 */
export const expandedLists: ReadonlyArray<string> = Catalog.entries.flatMap((entry) =>
  entry.nested?.expand === true ? [`${entry.objectType}.${entry.nested.field}`] : []
)

export const make = (options: Options = {}): Connector.Connector => ({
  source: Ids.SourceName.make(Catalog.SOURCE),
  collections,
  // Stripe limits requests per second per account, four times less in test mode.
  rateLimit: RateLimit.shape,
  computes: Writes.computes,
  connect: (connect) =>
    Effect.sync(() => {
      const client = Client.make(connect)
      return {
        backfill: { plan: Listings.plan, page: Listings.page(client) },
        changes: Events.make(client, connect.collections, options.feed),
        refresh: Refresh.refresh(client),
        writer: Writes.make(client)
      } satisfies Connector.Connection
    })
})

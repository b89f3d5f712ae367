/**
 * Every connector Tributary has, by source: the one place that names them, so the sync
 * service, the gateway, the proxy and the CLI ask it rather than test `source === "stripe"`.
 * Adding a source is an entry here and its name in core's `SyncConfig.supportedSources`
 * (core cannot import connectors); `sources`' type makes the two agree.
 */
import { Events as StripeEvents, StripeConnector } from "@tributary/connector-stripe"
import type { Collection, Connector, SyncConfig } from "@tributary/core"

/** How the sync service tunes a connector's change feed (its `TRIBUTARY_SYNC_*` settings). */
export interface FeedSettings {
  /** The trailing window re-scanned for changes listed late (seconds). */
  readonly overlapSeconds: number
  readonly rescanIntervalMs: number
  /** How often objects created without change events are listed for new ones. */
  readonly sweepIntervalMs: number
}

export interface Source {
  /** The collections the connector mirrors. */
  readonly collections: ReadonlyArray<Collection.CollectionId>
  /** Nested lists the API returns inside their parent (`invoice.lines`), compared with the parent by verify. */
  readonly expandedLists: ReadonlyArray<string>
  /** A connector, its change feed tuned by `feed` (the connector's defaults without it). */
  readonly make: (feed?: FeedSettings) => Connector.Connector
}

const stripe: Source = {
  collections: StripeConnector.collections.map((c) => c.id),
  expandedLists: StripeConnector.expandedLists,
  make: (feed) => StripeConnector.make(feed === undefined ? {} : { feed: { ...StripeEvents.defaultFeedOptions, ...feed } })
}

export const sources: { readonly [S in SyncConfig.SupportedSource]: Source } = { stripe }

/** The source's connector, or `undefined` when Tributary has none for it. */
export const forSource = (source: string): Source | undefined =>
  Object.hasOwn(sources, source) ? sources[source as SyncConfig.SupportedSource] : undefined

/** A connector of every source, with its defaults (the proxy writes through whichever a table's sync uses). */
export const all = (): ReadonlyArray<Connector.Connector> => Object.values(sources).map((source) => source.make())

/**
 * The expected state from the upstream API itself: every page of a connector's backfill,
 * listed now. This is how `tributary verify` checks a sync against real Stripe once the
 * CLI can build a connector for a sync (packages/connectors/stripe); nothing here is
 * specific to one source.
 */
import type { Collection, Connector } from "@tributary/core"
import { Effect, Option, Stream } from "effect"
import { ExpectedStateUnavailable } from "./ExpectedState.js"
import type { ExpectedRow, ExpectedState } from "./ExpectedState.js"

export const make = (
  description: string,
  backfill: Connector.Backfill,
  collections: ReadonlyArray<Collection.CollectionId>
): ExpectedState => {
  const unavailable = (error: { readonly message: string }) =>
    new ExpectedStateUnavailable({ source: description, detail: error.message })
  const pages = (item: Connector.WorkItem) =>
    Stream.paginateEffect<Connector.Json | null, ReadonlyArray<ExpectedRow>, ExpectedStateUnavailable, never>(null,
      (cursor) =>
        backfill.page(item, cursor).pipe(
          Effect.mapError(unavailable),
          Effect.map((page) => [
            page.observations
              .filter((o) => !o.deleted && o.data !== null && collections.includes(o.collection))
              .map((o) => ({ collection: o.collection, upstreamId: o.upstreamId, data: o.data })),
            page.next === null ? Option.none() : Option.some(page.next)
          ] as const)
        ))
  return {
    description,
    read: Effect.succeed({
      collections,
      rows: Stream.fromIterable(backfill.plan(collections)).pipe(
        Stream.flatMap((item) => Stream.flattenIterables(pages(item)))
      )
    })
  }
}

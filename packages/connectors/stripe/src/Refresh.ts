/**
 * Reading objects afresh, for the engine's ordering guard (two versions it cannot order)
 * and for changes the feed reports without a usable payload. A read is the truth at the
 * moment it is made; an object that is gone comes back as a delete.
 */
import type { Connector } from "@tributary/core"
import { Effect } from "effect"
import * as Catalog from "./Catalog.js"
import type { Client } from "./Client.js"
import { isMissing } from "./Errors.js"
import { invoiceItemsOf, isRecord, isStripeObject } from "./internal/Objects.js"
import * as Observe from "./internal/Observe.js"
import * as Nested from "./Nested.js"
import * as Upcoming from "./Upcoming.js"

const CONCURRENCY = 8

const one = (client: Client, ref: Connector.RecordRef): Effect.Effect<Connector.Observed, Connector.Refusal> => {
  if (ref.collection === Catalog.ids.upcomingInvoice) return Upcoming.preview(client, ref.upstreamId, "vanish")
  const entry = Catalog.entry(ref.collection)
  const retrieve = entry?.retrieve
  // Invoice and credit note lines and checkout line items have no endpoint of their own;
  // they are read with their parent.
  if (entry === undefined || retrieve === undefined) return Effect.succeed(Observe.EMPTY)
  const sentAt = client.clock.now()
  return client.call(`retrieve ${ref.collection} ${ref.upstreamId}`, (stripe) => retrieve(stripe, ref.upstreamId)).pipe(
    Effect.flatMap(({ value, version }): Effect.Effect<Connector.Observed, Connector.Refusal> => {
      // A deleted customer reads back as `{id, object, deleted: true}`.
      if (isRecord(value) && value.deleted === true) {
        return Effect.succeed({ observations: [Observe.vanished(entry.id, ref.upstreamId, version)], malformed: [] })
      }
      if (!isStripeObject(value)) {
        return Effect.succeed({ observations: [], malformed: [Observe.malformed(entry.id, { id: ref.upstreamId }, "not a Stripe object")] })
      }
      const { lastResponse: _response, ...object } = value
      const read = Nested.observeRead(client, entry, { ...object, id: value.id, object: value.object }, version)
      if (entry.id !== Catalog.ids.invoice) return read
      // Invoice items change with their invoice, without events of their own.
      return Effect.flatMap(read, (observed) => {
        const invoice = observed.observations[0]?.data
        const items = invoice === null || invoice === undefined ? [] : invoiceItemsOf(invoice)
        return Effect.map(
          Effect.forEach(items, (id) => one(client, { collection: Catalog.ids.invoiceItem, upstreamId: id }), { concurrency: CONCURRENCY }),
          (more) => Observe.concat([observed, ...more])
        )
      })
    }),
    Effect.catchIf(isMissing, () =>
      Effect.succeed<Connector.Observed>({
        observations: [Observe.vanished(entry.id, ref.upstreamId, { from: sentAt, to: client.clock.now() })],
        malformed: []
      })),
    Effect.catchTag("UpstreamRejected", (error) =>
      Effect.succeed<Connector.Observed>({
        observations: [],
        malformed: [{ collection: entry.id, upstreamId: ref.upstreamId, detail: `Stripe refused to read it: ${error.detail}` }]
      }))
  )
}

export const refresh = (client: Client) => (refs: ReadonlyArray<Connector.RecordRef>) =>
  Effect.map(Effect.forEach(refs, (ref) => one(client, ref), { concurrency: CONCURRENCY }), Observe.concat)

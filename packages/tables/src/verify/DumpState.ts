/**
 * The expected state from the Stripe emulator's dump, read over plain HTTP (production
 * code never imports the emulator): `GET <emulator>/_emulator/dump` answers
 * `{"<collection>": [objects…]}`, collections named by Stripe's `object` value
 * (`customer`, `checkout.session`) or, for line items, `invoice_line_item` and
 * `checkout_session_line_item`. Deleted objects are not in it.
 */
import { Collection } from "@tributary/core"
import { Effect, Redacted, Stream } from "effect"
import { ExpectedStateUnavailable } from "./ExpectedState.js"
import type { ExpectedRow, ExpectedState } from "./ExpectedState.js"

export const DUMP_PATH = "/_emulator/dump"

/** Dump collections that are not synced collections. */
const NOT_SYNCED = new Set(["account"])

export interface Options {
  /** The emulator's base URL (a sync's `api_base_url`). */
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  /** The connected account (`Stripe-Account`), when the sync acts for one. */
  readonly account?: string
  /**
   * Lists a GET shows only when expanded that the sync reads expanded and keeps whole
   * (`charge.refunds`): the dump includes them, so rows compare as the sync wrote them.
   */
  readonly expand?: ReadonlyArray<string>
}

export const collectionOf = (name: string) => Collection.make("stripe", name.replace(".", "_"))

export const make = (options: Options): ExpectedState => {
  const address = new URL(DUMP_PATH, options.baseUrl)
  for (const name of options.expand ?? []) address.searchParams.append("expand[]", name)
  const url = address.toString()
  const unavailable = (detail: string) => new ExpectedStateUnavailable({ source: url, detail })
  const dump = Effect.tryPromise({
    try: async () => {
      const response = await fetch(url, {
        headers: {
          authorization: `Bearer ${Redacted.value(options.apiKey)}`,
          ...(options.account === undefined ? {} : { "stripe-account": options.account })
        }
      })
      const body = await response.text()
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${body.slice(0, 500)}`)
      const parsed: unknown = JSON.parse(body)
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object")
      return Object.entries(parsed as Record<string, unknown>)
        .filter(([name, objects]) => !NOT_SYNCED.has(name) && Array.isArray(objects))
        .map(([name, objects]) => ({ collection: collectionOf(name), objects: objects as ReadonlyArray<unknown> }))
    },
    catch: (cause) => unavailable(cause instanceof Error ? cause.message : String(cause))
  })
  return {
    description: `emulator dump ${url}`,
    read: Effect.map(dump, (parts) => ({
      collections: parts.map((p) => p.collection),
      rows: Stream.fromIterable(parts.flatMap(({ collection, objects }) =>
        objects.flatMap((data): Array<ExpectedRow> => {
          const id = (data as { id?: unknown }).id
          return typeof id === "string" ? [{ collection, upstreamId: id, data }] : []
        })))
    }))
  }
}

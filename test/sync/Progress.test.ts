/**
 * How far a Stripe listing is, which the sync's ETA comes from: Stripe's lists have no total,
 * so the connector measures progress in `created` time, from the newest object to the oldest
 * (found with a few one-object probes at the first page). Against the emulator, page by page.
 */
import type { Connector } from "@tributary/core"
import { StripeConnector } from "@tributary/connector-stripe"
import { Emulator } from "@tributary/stripe-emulator"
import type { RunningEmulator } from "@tributary/stripe-emulator"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

let emulator: RunningEmulator
beforeAll(async () => {
  emulator = await Emulator.start({ customers: 350, rateLimitPerSecond: 0, seed: 7 })
})
afterAll(() => emulator.stop())

/** No budget and no retries: the emulator has neither limits nor faults here. */
const requests: Connector.Requests = {
  run: (_operation, request) => Effect.catchTags(request, { UpstreamRateLimited: Effect.die, UpstreamUnavailable: Effect.die })
}

describe("backfill progress", () => {
  it("rises page by page from the newest object to the oldest, and is 1 at the last page", async () => {
    const progress = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const connector = StripeConnector.make()
      const collections = connector.collections.map((c) => c.id)
      const connection = yield* connector.connect({
        apiKey: Redacted.make(emulator.apiKeys[0] ?? ""),
        account: undefined,
        apiBaseUrl: emulator.url,
        collections,
        requests
      })
      const item = connection.backfill.plan(collections).find((i) => i.key === "stripe:customer")
      if (item === undefined) return yield* Effect.dieMessage("no customer work item")
      const seen: Array<number | undefined> = []
      let cursor: Connector.Json | null = null
      do {
        const page: Connector.Page = yield* connection.backfill.page(item, cursor)
        seen.push(page.progress)
        cursor = page.next
      } while (cursor !== null)
      return seen
    })))
    expect(progress.length).toBe(4)
    expect(progress.at(-1)).toBe(1)
    const before = progress.slice(0, -1)
    for (const [index, fraction] of before.entries()) {
      expect(fraction).toBeGreaterThan(index === 0 ? 0 : before[index - 1]!)
      expect(fraction).toBeLessThan(1)
    }
  })
})

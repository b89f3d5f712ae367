/**
 * Each replica's copy of the `consumers` bucket, kept current by a KV watch, so the consume
 * routes find a consumer's config without a KV read per request. A name the watch has not
 * delivered yet (created a moment ago through another replica) is read from the bucket.
 */
import { ConsumerConfig, Nats } from "@tributary/core"
import { Effect, Schema } from "effect"

const decode = Schema.decodeUnknownSync(Schema.parseJson(ConsumerConfig.ConsumerConfig))

export const make = Effect.gen(function*() {
  const kv = yield* Nats.bucket("consumers")
  const cache = new Map<string, ConsumerConfig.ConsumerConfig>()
  const watcher = yield* Effect.acquireRelease(
    Nats.tryNats("watch consumers", () => kv.watch()),
    (w) => Effect.sync(() => w.stop())
  )
  const follow = async () => {
    for await (const entry of watcher) {
      if (entry.operation === "PUT") cache.set(entry.key, decode(entry.string()))
      else cache.delete(entry.key)
    }
  }
  yield* Effect.forkScoped(Effect.promise(follow))
  const lookup = async (name: string): Promise<ConsumerConfig.ConsumerConfig | undefined> => {
    const known = cache.get(name)
    if (known !== undefined) return known
    const entry = await kv.get(name)
    if (entry === null || entry.operation !== "PUT") return undefined
    const config = decode(entry.string())
    cache.set(name, config)
    return config
  }
  /** Whether the replica's copy holds `name` right now (no bucket read: for the request metrics). */
  const known = (name: string): boolean => cache.has(name)
  return { lookup, known }
})

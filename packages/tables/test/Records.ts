/** Records as the sync publishes them, for tests. */
import { Collection, Ids, Record } from "@tributary/core"

export const SYNC = Ids.SyncId.make("sync_test")

export interface Make {
  readonly collection?: string
  readonly upstreamId: string
  readonly updatedIdx: number
  readonly deleted?: boolean
  readonly data?: Record<string, unknown>
  readonly sync?: Ids.SyncId
}

export const make = (options: Make): Record.Record => {
  const collection = Collection.CollectionId.make(options.collection ?? "stripe:customer")
  const sync = options.sync ?? SYNC
  return new Record.Record({
    id: Record.recordIdFor(sync, collection, options.upstreamId),
    upstream_id: Ids.UpstreamId.make(options.upstreamId),
    collection_id: collection,
    sync: { id: sync, external_id: "tenant_1", metadata: { plan: "gold" } },
    deleted: options.deleted ?? false,
    updated_idx: options.updatedIdx,
    upstream_created_at: "2024-01-01T00:00:00.000Z",
    upstream_updated_at: new Date(Date.UTC(2024, 0, 1) + options.updatedIdx * 1000).toISOString(),
    data: options.data ?? {
      id: options.upstreamId,
      object: Collection.objectOf(collection),
      email: `${options.upstreamId}@example.com`,
      version: options.updatedIdx
    }
  })
}

/** Fisher–Yates with a seeded generator, so a failing order can be replayed. */
export const shuffle = <A>(items: ReadonlyArray<A>, seed: number): Array<A> => {
  const out = [...items]
  let state = seed >>> 0
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

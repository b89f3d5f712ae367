/**
 * `/v1/consumers`: create, list, get, update and delete consumers (`ConsumerStore`). A
 * `filters.collection_id` no connector mirrors is refused here, before anything is stored.
 */
import { HttpApiBuilder } from "@effect/platform"
import { ConsumerConfig } from "@tributary/core"
import type { Collection } from "@tributary/core"
import { Effect } from "effect"
import * as ConsumerStore from "../consumers/ConsumerStore.js"
import { GatewayApi } from "./Api.js"
import { GatewayReplica } from "./Context.js"
import { domain } from "./Convert.js"
import { problemWithFilter } from "./OfferedCollections.js"

const withState = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.gen(function*() {
    const { engine } = yield* GatewayReplica
    const state = yield* Effect.tryPromise(() => engine.state(config.name)).pipe(Effect.option)
    return { ...config, ...(state._tag === "Some" ? { state: state.value } : {}) }
  })

/** Fails with the reason a consumer cannot filter on `collection` (absent: not asked for, nothing to check). */
const offered = (collection: Collection.CollectionId | "*" | undefined) => {
  const problem = collection === undefined ? undefined : problemWithFilter(collection)
  return problem === undefined ? Effect.void : Effect.fail(problem)
}

export const layer = HttpApiBuilder.group(GatewayApi, "consumers", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      domain(Effect.zipRight(offered(payload.filters.collection_id), ConsumerStore.create(new ConsumerConfig.ConsumerConfig({ ...payload, created_at_ms: Date.now() }))))
        .pipe(Effect.flatMap(withState)))
    .handle("list", () => domain(ConsumerStore.list).pipe(Effect.map((data) => ({ data }))))
    .handle("get", ({ path }) => domain(ConsumerStore.get(path.name)).pipe(Effect.flatMap(withState)))
    .handle("update", ({ path, payload }) => {
      const { filters, ...rest } = payload
      const patch: ConsumerStore.Patch = {
        ...rest,
        ...(filters === undefined ? {} : { filters: filters as ConsumerConfig.ConsumerFilters })
      }
      return domain(Effect.zipRight(offered(filters?.collection_id), ConsumerStore.update(path.name, patch)))
        .pipe(Effect.flatMap(withState))
    })
    .handle("delete", ({ path }) => domain(ConsumerStore.remove(path.name))))

/** `/v1/consumers`: create, list, get, update and delete consumers (`ConsumerStore`). */
import { HttpApiBuilder } from "@effect/platform"
import { ConsumerConfig } from "@tributary/core"
import { Effect } from "effect"
import * as ConsumerStore from "../consumers/ConsumerStore.js"
import { GatewayApi } from "./Api.js"
import { GatewayReplica } from "./Context.js"
import { domain } from "./Convert.js"

const withState = (config: ConsumerConfig.ConsumerConfig) =>
  Effect.gen(function*() {
    const { engine } = yield* GatewayReplica
    const state = yield* Effect.tryPromise(() => engine.state(config.name)).pipe(Effect.option)
    return { ...config, ...(state._tag === "Some" ? { state: state.value } : {}) }
  })

export const layer = HttpApiBuilder.group(GatewayApi, "consumers", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      domain(ConsumerStore.create(new ConsumerConfig.ConsumerConfig(payload))).pipe(Effect.flatMap(withState)))
    .handle("list", () => domain(ConsumerStore.list).pipe(Effect.map((data) => ({ data }))))
    .handle("get", ({ path }) => domain(ConsumerStore.get(path.name)).pipe(Effect.flatMap(withState)))
    .handle("update", ({ path, payload }) => {
      const { filters, ...rest } = payload
      const patch: ConsumerStore.Patch = {
        ...rest,
        ...(filters === undefined ? {} : { filters: filters as ConsumerConfig.ConsumerFilters })
      }
      return domain(ConsumerStore.update(path.name, patch)).pipe(Effect.flatMap(withState))
    })
    .handle("delete", ({ path }) => domain(ConsumerStore.remove(path.name))))

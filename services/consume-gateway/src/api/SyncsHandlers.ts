/** `/v1/syncs`: the sync configs the sync service reads, through core's `SyncStore`. */
import { HttpApiBuilder } from "@effect/platform"
import { SyncStore } from "@tributary/core"
import type { SyncConfig, SyncStatus } from "@tributary/core"
import { Effect, Option } from "effect"
import { GatewayApi } from "./Api.js"
import { domain } from "./Convert.js"

const view = (config: SyncConfig.SyncConfig, status: Option.Option<SyncStatus.SyncStatus>) => {
  const { api_key: _secret, ...visible } = config
  return { ...visible, status: Option.getOrNull(status) }
}

const withStatus = (config: SyncConfig.SyncConfig) =>
  Effect.map(SyncStore.status(config.id), (status) => view(config, status))

export const layer = HttpApiBuilder.group(GatewayApi, "syncs", (handlers) =>
  handlers
    .handle("create", ({ payload }) => domain(SyncStore.create(payload).pipe(Effect.map((c) => view(c, Option.none())))))
    .handle("list", () => domain(Effect.map(Effect.flatMap(SyncStore.list, (all) => Effect.forEach(all, withStatus)), (data) => ({ data }))))
    .handle("get", ({ path }) => domain(Effect.flatMap(SyncStore.get(path.id), withStatus)))
    .handle("pause", ({ path }) => domain(Effect.flatMap(SyncStore.setState(path.id, "paused"), withStatus)))
    .handle("resume", ({ path }) => domain(Effect.flatMap(SyncStore.setState(path.id, "active"), withStatus)))
    .handle("delete", ({ path }) => domain(SyncStore.remove(path.id))))

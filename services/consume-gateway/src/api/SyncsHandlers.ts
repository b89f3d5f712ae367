/**
 * `/v1/syncs`: the sync configs the sync service reads, through core's `SyncStore`, and each
 * sync's proxy credentials, through core's `ProxyCredentials`. API keys and passwords are
 * taken, never given back: a credential's password is in the answer that made it, only.
 */
import { HttpApiBuilder } from "@effect/platform"
import { ProxyCredentials, SyncStore } from "@tributary/core"
import type { Ids, SyncConfig, SyncStatus } from "@tributary/core"
import { Effect, Option } from "effect"
import { GatewayApi } from "./Api.js"
import { domain } from "./Convert.js"
import { offeredBy } from "./OfferedCollections.js"
import { defaultProxyCredential } from "./Schemas.js"

const view = (config: SyncConfig.SyncConfig, status: Option.Option<SyncStatus.SyncStatus>) => {
  const { api_key: _secret, ...visible } = config
  return { ...visible, status: Option.getOrNull(status) }
}

const withStatus = (config: SyncConfig.SyncConfig) =>
  Effect.map(SyncStore.status(config.id), (status) => view(config, status))

const credentialView = (credential: ProxyCredentials.ProxyCredential) => ({
  user: credential.user,
  sync_id: credential.sync_id,
  created_at: credential.created_at,
  rotated_at: credential.rotated_at
})

const issued = (issue: { readonly credential: ProxyCredentials.ProxyCredential; readonly password: string }) => ({
  ...credentialView(issue.credential),
  password: issue.password
})

/** The credential `<name>.<sync>` of an existing sync, or NotFound. */
const existingCredential = (sync: Ids.SyncId, name: string) =>
  Effect.gen(function*() {
    yield* SyncStore.get(sync)
    const user = ProxyCredentials.userFor(name, sync)
    const found = yield* ProxyCredentials.get(user)
    if (Option.isNone(found)) return yield* SyncStore.notFound("proxy credential", user)
    return found.value
  })

export const layer = HttpApiBuilder.group(GatewayApi, "syncs", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      domain(SyncStore.create(payload, offeredBy(payload.source)).pipe(Effect.map((c) => view(c, Option.none())))))
    .handle("list", () => domain(Effect.map(Effect.flatMap(SyncStore.list, (all) => Effect.forEach(all, withStatus)), (data) => ({ data }))))
    .handle("get", ({ path }) => domain(Effect.flatMap(SyncStore.get(path.id), withStatus)))
    .handle("update", ({ path, payload }) =>
      domain(Effect.gen(function*() {
        const current = yield* SyncStore.get(path.id)
        const changed = yield* SyncStore.change(path.id, payload, offeredBy(current.source))
        return yield* withStatus(changed)
      })))
    .handle("pause", ({ path }) => domain(Effect.flatMap(SyncStore.setState(path.id, "paused"), withStatus)))
    .handle("resume", ({ path }) => domain(Effect.flatMap(SyncStore.setState(path.id, "active"), withStatus)))
    .handle("delete", ({ path }) => domain(SyncStore.remove(path.id)))
    .handle("createProxyCredential", ({ path, payload }) =>
      domain(Effect.flatMap(SyncStore.get(path.id), () =>
        Effect.map(ProxyCredentials.issue((payload ?? defaultProxyCredential).name, path.id), issued))))
    .handle("listProxyCredentials", ({ path }) =>
      domain(Effect.flatMap(SyncStore.get(path.id), () =>
        Effect.map(ProxyCredentials.list(path.id), (all) => ({ data: all.map(credentialView) })))))
    .handle("rotateProxyCredential", ({ path }) =>
      domain(Effect.flatMap(existingCredential(path.id, path.name), (c) => Effect.map(ProxyCredentials.issue(c.name, path.id), issued))))
    .handle("revokeProxyCredential", ({ path }) =>
      domain(Effect.flatMap(existingCredential(path.id, path.name), (c) => ProxyCredentials.revoke(c.user))))
)

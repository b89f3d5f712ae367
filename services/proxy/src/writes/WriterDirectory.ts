/**
 * The API writer of each sync: its config from the `syncs` bucket, its API key decrypted,
 * its connector connected once and kept for the life of the proxy (reconnected when the
 * sync's key, account or endpoint changes).
 */
import { Effect, Either, Exit, Runtime, Scope } from "effect"
import type { Connector, Ids, Nats } from "@tributary/core"
import { Secrets, SyncConfig, SyncStore } from "@tributary/core"
import type { Report } from "../wire/Backend.js"
import type { SyncWriter } from "./Executor.js"

/**
 * The engine's `Requests` retries rate limits and outages until they pass; a proxy write
 * must answer now. Here every request runs once and every error reaches the proxy (the
 * ones `Refusal` does not cover travel as defects, which the executor unwraps).
 */
const once: Connector.Requests = {
  run: (_operation, request) =>
    request.pipe(Effect.catchAll((error) =>
      error._tag === "UpstreamRejected" || error._tag === "UpstreamAuthFailed" ? Effect.fail(error) : Effect.die(error)
    ))
}

const fingerprint = (config: SyncConfig.SyncConfig) => `${config.api_key}|${config.account ?? ""}|${config.api_base_url ?? ""}`

const report = (code: string, message: string, hint: string): Report => ({ severity: "ERROR", code, message, hint })

/**
 * NATS did not answer the config read: a server that hangs, or a connection that died
 * without a word (no FIN), which the client notices only when its pings go unanswered.
 * Nothing reached the API, so it is HV00N, as for a write while the connection is known
 * to be lost (Proxy.ts), and a retry is safe.
 */
const NOT_ANSWERED_HINT = "Nothing was written. The proxy reads each sync's config from NATS; retry when NATS answers again."

/** How long a sync's config is trusted before it is read again (a changed API key takes effect after this). */
export const CONFIG_TTL_MS = 2_000

export interface Options {
  /** How long a config read waits for NATS to answer before the write is refused with HV00N. */
  readonly configReadTimeoutMs: number
}

export const make = (
  connectors: ReadonlyArray<Connector.Connector>,
  runtime: Runtime.Runtime<Nats.Nats | Secrets.SecretKeys>,
  scope: Scope.Scope,
  options: Options
) => {
  const cache = new Map<Ids.SyncId, { readonly fingerprint: string; readonly writer: SyncWriter | Report }>()
  const configs = new Map<Ids.SyncId, { readonly at: number; readonly config: SyncConfig.SyncConfig }>()

  /** The sync's config; a report when it is gone, or when NATS cannot be read right now. */
  const configOf = async (sync: Ids.SyncId): Promise<SyncConfig.SyncConfig | Report> => {
    const known = configs.get(sync)
    if (known !== undefined && Date.now() - known.at < CONFIG_TTL_MS) return known.config
    const exit = await Runtime.runPromiseExit(runtime)(Effect.either(SyncStore.get(sync, { timeoutMs: options.configReadTimeoutMs })))
    if (Exit.isFailure(exit)) return report("HV000", `cannot read the config of sync ${sync}`, "Nothing was written. Retry when NATS is reachable.")
    const read = exit.value
    if (Either.isLeft(read)) {
      const failure = read.left
      if (failure._tag === "NotFound") return report("42501", `the sync of this credential (${sync}) no longer exists`, "Check that the sync still exists.")
      return failure.timedOut === true
        ? report("HV00N", `cannot read the config of sync ${sync}: NATS did not answer (${failure.detail})`, NOT_ANSWERED_HINT)
        : report("HV000", `cannot read the config of sync ${sync}: ${failure.message}`, "Nothing was written. Retry when NATS is reachable.")
    }
    configs.set(sync, { at: Date.now(), config: read.right })
    return read.right
  }

  const connect = (config: SyncConfig.SyncConfig): Effect.Effect<SyncWriter | Report, never, Secrets.SecretKeys> =>
    Effect.gen(function*() {
      const connector = connectors.find((c) => c.source === config.source)
      if (connector === undefined) {
        return report("0A000", `the proxy has no connector for source ${config.source}`, "Writes go through the source's connector.")
      }
      const keys = yield* Secrets.SecretKeys
      const apiKey = Secrets.decrypt(keys, config.api_key)
      if (Either.isLeft(apiKey)) return report("HV000", apiKey.left.message, "Check TRIBUTARY_SECRET_KEY.")
      const connection = yield* connector.connect({
        apiKey: apiKey.right,
        account: config.account,
        apiBaseUrl: config.api_base_url,
        collections: connector.collections.map((c) => c.id),
        requests: once
      }).pipe(Scope.extend(scope))
      if (connection.writer === undefined) {
        return report("0A000", `the ${config.source} connector cannot write yet`, "Write through the API directly for now.")
      }
      return { config, writer: connection.writer }
    })

  const writerFor = async (sync: Ids.SyncId): Promise<SyncWriter | Report> => {
    const config = await configOf(sync)
    if (!(config instanceof SyncConfig.SyncConfig)) return config
    const cached = cache.get(sync)
    if (cached !== undefined && cached.fingerprint === fingerprint(config)) {
      return "writer" in cached.writer ? { ...cached.writer, config } : cached.writer
    }
    const writer = await Runtime.runPromise(runtime)(connect(config))
    cache.set(sync, { fingerprint: fingerprint(config), writer })
    return writer
  }

  return { writerFor }
}

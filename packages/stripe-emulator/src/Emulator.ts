import { Registry, type AccountKey } from "./accounts/Registry.js"
import { adminDispatch } from "./admin/AdminApi.js"
import { AdminClient } from "./admin/AdminClient.js"
import { apiRouter } from "./api/index.js"
import { API_VERSION } from "./ApiVersion.js"
import { Pipeline } from "./http/Pipeline.js"
import { listen } from "./http/Server.js"
import { seedAccount } from "./seed/Seeder.js"
import type { SeedSummary } from "./seed/SeedTypes.js"

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Seeds every PRNG (keys, ids, seed data, fault decisions). Default 42. */
  readonly seed?: number
  /** Seed each key's account with this many customers and their history at start. Default 0: empty accounts. */
  readonly customers?: number
  /** How many secret keys (each its own account) to create, or the exact keys to accept. Default 1. */
  readonly apiKeys?: number | ReadonlyArray<string>
  /** Request budget per key per second; 0 = unlimited. Default 100, Stripe's live-mode default. */
  readonly rateLimitPerSecond?: number
}

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:12111` (the SDK's `host`/`port`/`protocol: "http"`). */
  readonly url: string
  readonly host: string
  readonly port: number
  /** The secret keys it accepts (`sk_test_…`), one account each. */
  readonly apiKeys: ReadonlyArray<string>
  readonly accounts: ReadonlyArray<AccountKey>
  /** Seed summaries, per key, when `customers` was given. */
  readonly seeded: ReadonlyArray<SeedSummary>
  readonly apiVersion: string
  /** The admin client for a key (default: the first). */
  admin(apiKey?: string): AdminClient
  stop(): Promise<void>
}

export const DEFAULT_SEED = 42
export const DEFAULT_RATE_LIMIT = 100

export const start = async (options: EmulatorOptions = {}): Promise<RunningEmulator> => {
  const seed = options.seed ?? DEFAULT_SEED
  const registry = new Registry(seed, API_VERSION, options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT)
  const requested = options.apiKeys ?? 1
  const accounts = typeof requested === "number" ? Array.from({ length: requested }, () => registry.createKey()) : requested.map((key) => registry.createKey(key))
  const pipeline = new Pipeline(registry, apiRouter(registry))
  // Listen before seeding, so a port in use fails at once rather than after seconds of seeding.
  const listening = await listen(options.host ?? "127.0.0.1", options.port ?? 0, pipeline, adminDispatch(registry, seed))
  const close = () =>
    new Promise<void>((resolve, reject) => {
      listening.server.close((error) => (error === undefined ? resolve() : reject(error)))
      listening.server.closeAllConnections()
    })
  const customers = options.customers ?? 0
  let seeded: ReadonlyArray<SeedSummary>
  try {
    seeded = customers <= 0 ? [] : accounts.map((account) => seedAccount(account, { customers }, seed))
  } catch (error) {
    await close()
    throw error
  }
  const url = `http://${listening.host.includes(":") ? `[${listening.host}]` : listening.host}:${listening.port}`
  const apiKeys = accounts.map((account) => account.scope.apiKey)
  return {
    url,
    host: listening.host,
    port: listening.port,
    apiKeys,
    accounts: registry.keys(),
    seeded,
    apiVersion: API_VERSION,
    admin: (apiKey = apiKeys[0] ?? "") => new AdminClient(url, apiKey),
    stop: close
  }
}

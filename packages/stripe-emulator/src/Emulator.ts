import { Registry, type AccountKey } from "./accounts/Registry.js"
import { adminDispatch } from "./admin/AdminApi.js"
import { AdminClient } from "./admin/AdminClient.js"
import { apiRouter } from "./api/index.js"
import { API_VERSION } from "./ApiVersion.js"
import { Pipeline } from "./http/Pipeline.js"
import { listen } from "./http/Server.js"
import { processSalt, type Salt } from "./internal/Random.js"
import { seedAccount } from "./seed/Seeder.js"
import type { SeedSummary } from "./seed/SeedTypes.js"

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /**
   * Seeds what the emulator starts with: its keys and accounts, the seeded data and its ids, fault
   * decisions. Default 42. What is made while serving (objects and events of API requests, the
   * mutator and the clock, request ids, keys and connected accounts made later) gets ids that no
   * other process hands out, as in Stripe, unless `deterministicIds` is set.
   */
  readonly seed?: number
  /**
   * Runtime ids follow from the seed too, so two emulators of the same seed that make the same calls
   * give the same ids, and a restarted one repeats its predecessor's. For tests that compare ids
   * across emulators; default false.
   */
  readonly deterministicIds?: boolean
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

/** The runtime salt of `deterministicIds`: fixed, yet unlike none, so runtime streams stay apart from the seeded ones. */
const DETERMINISTIC_RUNTIME_SALT: Salt = [0x72756e74, 0x696d6520, 0x69647321]

export const start = async (options: EmulatorOptions = {}): Promise<RunningEmulator> => {
  const seed = options.seed ?? DEFAULT_SEED
  const runtimeSalt = options.deterministicIds === true ? DETERMINISTIC_RUNTIME_SALT : processSalt()
  const registry = new Registry(seed, runtimeSalt, API_VERSION, options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT)
  const requested = options.apiKeys ?? 1
  const accounts = typeof requested === "number" ? Array.from({ length: requested }, () => registry.createInitialKey()) : requested.map((key) => registry.createInitialKey(key))
  const pipeline = new Pipeline(registry, apiRouter(registry))
  // Listen before seeding, so a port in use fails at once rather than after seconds of seeding.
  const listening = await listen(options.host ?? "127.0.0.1", options.port ?? 0, pipeline, adminDispatch(registry, seed), registry.requestIds())
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

import { Faults } from "../faults/Faults.js"
import { RateLimiter } from "../faults/RateLimiter.js"
import { Clock } from "../internal/Clock.js"
import { IdGenerator } from "../internal/Ids.js"
import { Random, type Salt } from "../internal/Random.js"
import { Account, type KeyScope } from "./Account.js"

export interface AccountKey {
  readonly apiKey: string
  readonly accountId: string
}

/** What `/v1` thinks of a key: whether it is revoked, and how many requests it refused because of that. */
export interface KeyState {
  readonly revoked: boolean
  readonly refusedRequests: number
}

/**
 * API keys → platform accounts, and each platform's connected accounts.
 *
 * Two generators: `seeded` (the seed alone) makes the keys the emulator starts with, so the same
 * seed gives the same keys and accounts; `runtime` (the seed and a salt, per process unless ids are
 * deterministic) makes everything that comes later: keys and connected accounts made while serving,
 * request ids, and every account's runtime id stream (see `Account`).
 */
export class Registry {
  private readonly byKey = new Map<string, Account>()
  /** Keys `/v1` refuses; the admin API still accepts them, so a test can restore one. */
  private readonly revoked = new Set<string>()
  /** `/v1` requests refused per key for being revoked (kept across restores, so a test can count them). */
  private readonly refused = new Map<string, number>()
  private readonly seeded: Random
  private readonly runtime: Random

  constructor(
    seed: number,
    runtimeSalt: Salt,
    private readonly apiVersion: string,
    private rateLimitPerSecond: number
  ) {
    this.seeded = new Random(seed)
    this.runtime = new Random(seed, runtimeSalt)
  }

  /** A key the emulator starts with, and its empty account: the same seed gives the same ones. */
  createInitialKey(apiKey?: string): Account {
    return this.addKey(this.seeded.fork(), apiKey)
  }

  /** A new API key with an empty account of its own, made while serving (`POST /_emulator/keys`). */
  createKey(): Account {
    return this.addKey(this.runtime.fork(), undefined)
  }

  /** Request ids (`req_…`), drawn like runtime ids. */
  requestIds(): IdGenerator {
    return new IdGenerator(this.runtime.fork())
  }

  private addKey(random: Random, apiKey: string | undefined): Account {
    const key = apiKey ?? `sk_test_${random.alphanumeric(24)}`
    if (this.byKey.has(key)) throw new Error(`API key ${key} already exists`)
    const scope: KeyScope = {
      apiKey: key,
      clock: new Clock(),
      limiter: new RateLimiter(this.rateLimitPerSecond),
      faults: new Faults(random.fork())
    }
    const account = new Account(`acct_1${random.alphanumeric(15)}`, scope, random, this.runtime.fork(), this.apiVersion, undefined)
    this.byKey.set(key, account)
    return account
  }

  /** The key's platform account, revoked keys included (the admin API's view). */
  authenticate(apiKey: string): Account | undefined {
    return this.byKey.get(apiKey)
  }

  isRevoked(apiKey: string): boolean {
    return this.revoked.has(apiKey)
  }

  /** Counts a `/v1` request refused because its key is revoked. */
  countRefusal(apiKey: string): void {
    this.refused.set(apiKey, (this.refused.get(apiKey) ?? 0) + 1)
  }

  /** `/v1` refuses the key (401 `api_key_expired`) until it is restored. */
  revoke(apiKey: string): KeyState {
    this.revoked.add(apiKey)
    return this.keyState(apiKey)
  }

  restore(apiKey: string): KeyState {
    this.revoked.delete(apiKey)
    return this.keyState(apiKey)
  }

  /** Stripe's "roll key": a new secret key for the same account (and limits); the old one is revoked at once. */
  roll(apiKey: string): AccountKey {
    const account = this.byKey.get(apiKey)
    if (account === undefined) throw new Error(`no API key ${apiKey}`)
    let key: string
    do key = `sk_test_${this.runtime.fork().alphanumeric(24)}`
    while (this.byKey.has(key))
    this.byKey.set(key, account)
    this.revoke(apiKey)
    return { apiKey: key, accountId: account.id }
  }

  keyState(apiKey: string): KeyState {
    return { revoked: this.revoked.has(apiKey), refusedRequests: this.refused.get(apiKey) ?? 0 }
  }

  /** A connected account made while serving (`POST /v1/accounts`): its id and data streams are runtime draws. */
  createConnected(platform: Account): Account {
    const random = this.runtime.fork()
    const account = new Account(`acct_1${random.alphanumeric(15)}`, platform.scope, random, this.runtime.fork(), this.apiVersion, platform)
    platform.connected.set(account.id, account)
    return account
  }

  keys(): ReadonlyArray<AccountKey> {
    return [...this.byKey.entries()].map(([apiKey, account]) => ({ apiKey, accountId: account.id }))
  }

  platforms(): ReadonlyArray<Account> {
    return [...this.byKey.values()]
  }

  /** Applies to keys created later too. */
  setDefaultRateLimit(perSecond: number): void {
    this.rateLimitPerSecond = perSecond
  }
}

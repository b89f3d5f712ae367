import { Faults } from "../faults/Faults.js"
import { RateLimiter } from "../faults/RateLimiter.js"
import { Clock } from "../internal/Clock.js"
import { Random } from "../internal/Random.js"
import { Account, type KeyScope } from "./Account.js"

export interface AccountKey {
  readonly apiKey: string
  readonly accountId: string
}

/** API keys → platform accounts, and each platform's connected accounts. */
export class Registry {
  private readonly byKey = new Map<string, Account>()
  private readonly random: Random

  constructor(
    seed: number,
    private readonly apiVersion: string,
    private rateLimitPerSecond: number
  ) {
    this.random = new Random(seed)
  }

  /** A new API key with an empty account of its own. */
  createKey(apiKey?: string): Account {
    const random = this.random.fork()
    const key = apiKey ?? `sk_test_${random.alphanumeric(24)}`
    if (this.byKey.has(key)) throw new Error(`API key ${key} already exists`)
    const scope: KeyScope = {
      apiKey: key,
      clock: new Clock(),
      limiter: new RateLimiter(this.rateLimitPerSecond),
      faults: new Faults(random.fork())
    }
    const account = new Account(`acct_1${random.alphanumeric(15)}`, scope, random, this.apiVersion, undefined)
    this.byKey.set(key, account)
    return account
  }

  authenticate(apiKey: string): Account | undefined {
    return this.byKey.get(apiKey)
  }

  createConnected(platform: Account): Account {
    const random = platform.forkRandom()
    const account = new Account(`acct_1${random.alphanumeric(15)}`, platform.scope, random, this.apiVersion, platform)
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

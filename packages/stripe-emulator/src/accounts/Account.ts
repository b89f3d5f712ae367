import { EventLog } from "../events/EventLog.js"
import type { Faults } from "../faults/Faults.js"
import type { RateLimiter } from "../faults/RateLimiter.js"
import { IdempotencyStore } from "../http/Idempotency.js"
import type { Clock } from "../internal/Clock.js"
import { IdGenerator } from "../internal/Ids.js"
import type { Random } from "../internal/Random.js"
import { Store } from "../store/Store.js"

/**
 * Per API key: the clock, the request budget and the faults; the key's platform account and its
 * connected accounts (selected with `Stripe-Account`) share them.
 */
export interface KeyScope {
  readonly apiKey: string
  readonly clock: Clock
  readonly limiter: RateLimiter
  readonly faults: Faults
}

/**
 * One Stripe account: its objects, events and idempotency keys. A platform account belongs to an
 * API key; connected accounts belong to a platform and have data of their own.
 *
 * Ids come from two streams. The seeder's follow from the account's seeded generator, so a seed
 * gives the same account in every process. Everything made while serving (API requests, the
 * mutator, the clock's transitions, their events) draws from `runtime`, which the registry salts
 * per process: Stripe never hands out an id twice, and a client that outlives the emulator (a sync
 * of `npm run up`, rows in Postgres) must not see a new object take the id of an old one.
 */
export class Account {
  readonly store = new Store()
  readonly events: EventLog
  /** Ids of what the seeder makes. */
  readonly seedIds: IdGenerator
  /** Ids of what is made while serving. */
  readonly ids: IdGenerator
  readonly idempotency = new IdempotencyStore()
  readonly connected = new Map<string, Account>()
  /** Invoice numbers use account-level numbering (`PREFIX-0001`), so customers never change on finalize. */
  readonly invoicePrefix: string
  private invoiceSequence = 0

  constructor(
    readonly id: string,
    readonly scope: KeyScope,
    readonly random: Random,
    runtime: Random,
    readonly apiVersion: string,
    readonly platform: Account | undefined
  ) {
    this.seedIds = new IdGenerator(random.fork())
    this.ids = new IdGenerator(runtime)
    this.events = new EventLog(apiVersion, platform === undefined ? undefined : id)
    this.invoicePrefix = random.alphanumeric(8).toUpperCase()
  }

  nextInvoiceNumber(): string {
    this.invoiceSequence += 1
    return `${this.invoicePrefix}-${String(this.invoiceSequence).padStart(4, "0")}`
  }

  get clock(): Clock {
    return this.scope.clock
  }

  nowSeconds(): number {
    return this.scope.clock.nowSeconds()
  }

  /** Randomness for data (seeds, mutations), independent of the id stream. */
  forkRandom(): Random {
    return this.random.fork()
  }
}

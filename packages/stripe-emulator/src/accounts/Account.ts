import { EventLog } from "../events/EventLog.js"
import type { Faults } from "../faults/Faults.js"
import type { RateLimiter } from "../faults/RateLimiter.js"
import { IdempotencyStore } from "../http/Idempotency.js"
import type { Clock } from "../internal/Clock.js"
import { IdGenerator } from "../internal/Ids.js"
import { InvoiceNumbers } from "../internal/InvoiceNumbers.js"
import type { Random } from "../internal/Random.js"
import type { SeedOptions, SeedSummary } from "../seed/SeedTypes.js"
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

/** Where a writer's new ids and invoice numbers come from: the account's seed stream or its runtime one. */
export interface Identifiers {
  readonly ids: IdGenerator
  readonly invoiceNumbers: InvoiceNumbers
}

/**
 * One Stripe account: its objects, events and idempotency keys. A platform account belongs to an
 * API key; connected accounts belong to a platform and have data of their own.
 *
 * Ids come from two streams. The seeder's follow from the account's seeded generator, so a seed
 * gives the same account in every process. Everything made while serving (API requests, the
 * mutator, the clock's transitions, their events) draws from `runtime`, which the registry salts
 * per process: Stripe never hands out an id twice, and a client that outlives the emulator (a sync
 * of `npm run up`, rows in Postgres) must not see a new object take the id of an old one. Invoice
 * numbers follow the same split: each stream numbers under a prefix of its own, so an invoice
 * finalized after a restart never takes the number of one from an earlier run, and what is served
 * never shifts the numbers a seed gives.
 */
export class Account {
  readonly store = new Store()
  readonly events: EventLog
  /** Ids and invoice numbers of what the seeder makes. */
  readonly seeding: Identifiers
  /** Ids and invoice numbers of what is made while serving. */
  readonly serving: Identifiers
  readonly idempotency = new IdempotencyStore()
  readonly connected = new Map<string, Account>()
  /** The seed this account was given (options with their defaults), once it was: an account is seeded once. */
  seeded: { readonly options: Required<SeedOptions>; readonly summary: SeedSummary } | undefined

  constructor(
    readonly id: string,
    readonly scope: KeyScope,
    readonly random: Random,
    runtime: Random,
    readonly apiVersion: string,
    readonly platform: Account | undefined
  ) {
    const seedIds = new IdGenerator(random.fork())
    this.events = new EventLog(apiVersion, platform === undefined ? undefined : id)
    // Account-level numbering (`PREFIX-0001`), so customers never change on finalize.
    this.seeding = { ids: seedIds, invoiceNumbers: new InvoiceNumbers(random.alphanumeric(8).toUpperCase()) }
    this.serving = { invoiceNumbers: new InvoiceNumbers(runtime.alphanumeric(8).toUpperCase()), ids: new IdGenerator(runtime) }
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

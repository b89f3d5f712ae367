import type { Account } from "../accounts/Account.js"
import { NO_REQUEST, EVENT_RETENTION_SECONDS } from "../events/EventLog.js"
import { DAY_SECONDS } from "../internal/Clock.js"
import { Random } from "../internal/Random.js"
import { createPayout, settlePayout } from "../domain/payouts.js"
import { Writer } from "../domain/Writer.js"
import { DUMP_COLLECTIONS } from "../dump/Dump.js"
import { invalidRequest } from "../http/StripeError.js"
import { OBJECT_TYPES } from "../store/StripeObject.js"
import { seedCatalog } from "./Catalog.js"
import { seedCustomer, seedHistory, type History } from "./CustomerHistory.js"
import type { SeedOptions, SeedSummary } from "./SeedTypes.js"
import { seedSpecimens, SPECIMEN_CUSTOMERS } from "./Specimens.js"

export const DEFAULT_SEED_CUSTOMERS = 100
const DEFAULT_HISTORY_DAYS = 90

/**
 * Builds a deterministic account history: a catalog, customers with subscriptions (renewed up to
 * now), invoices, payments, refunds, credit notes, checkout sessions and payouts, plus specimens
 * with long nested lists. Everything goes through the domain operations at past moments, so the
 * objects and their events are exactly what the API would have produced. Objects are appended
 * unsorted and each collection is sorted once at the end, which keeps 100k objects in seconds.
 * Ids and invoice numbers come from the account's seed stream (`Account.seeding`), never the runtime
 * one, so an account seeded alike in two processes has the same ids and numbers whatever either served.
 *
 * An account is seeded once: a seed is the account's history, and a second one would make a second
 * catalog beside the first (Stripe refuses a second price with the same `lookup_key`). Asking again
 * with the same options (a client retrying a seed that took seconds) answers the first summary and
 * changes nothing; other options are refused before anything is made.
 */
export const seedAccount = (account: Account, options: SeedOptions, defaultSeed: number): SeedSummary => {
  const resolved: Required<SeedOptions> = {
    seed: options.seed ?? defaultSeed,
    customers: Math.max(options.customers ?? DEFAULT_SEED_CUSTOMERS, SPECIMEN_CUSTOMERS),
    historyDays: options.historyDays ?? DEFAULT_HISTORY_DAYS,
    events: options.events ?? true
  }
  if (account.seeded !== undefined) return seededAlready(account.seeded, resolved)
  const summary = seedHistoryOf(account, resolved)
  account.seeded = { options: resolved, summary }
  return summary
}

const seededAlready = (seeded: NonNullable<Account["seeded"]>, options: Required<SeedOptions>): SeedSummary => {
  const differing = (Object.keys(options) as Array<keyof SeedOptions>).find((name) => options[name] !== seeded.options[name])
  if (differing === undefined) return seeded.summary
  throw invalidRequest(
    `This account is already seeded, with ${JSON.stringify(seeded.options)}; an account is seeded once (the same ` +
      "options again answer the same summary). Seed another account: POST /_emulator/keys makes a key with an empty one.",
    { param: differing }
  )
}

const seedHistoryOf = (account: Account, options: Required<SeedOptions>): SeedSummary => {
  const startedMs = performance.now()
  const random = new Random(options.seed)
  const customers = options.customers
  const now = account.nowSeconds()
  const historyStart = now - options.historyDays * DAY_SECONDS
  const recordEvents = options.events
  const retentionStart = now - EVENT_RETENTION_SECONDS
  const root = new Writer(account, now, NO_REQUEST, recordEvents, account.seeding)
  const history: History = {
    random,
    catalog: { monthly: [], yearly: [], oneTime: [] },
    now,
    at: (seconds) => root.at(Math.min(seconds, now), recordEvents && seconds >= retentionStart)
  }
  const eventsBefore = account.events.collection.size

  account.store.beginBulk()
  account.events.collection.beginBulk()
  try {
    const catalog = seedCatalog(history.at(historyStart - DAY_SECONDS))
    const withCatalog: History = { ...history, catalog }
    const seeded = []
    for (let index = 0; index < customers; index++) {
      const specimen = index < SPECIMEN_CUSTOMERS
      const createdAt = specimen ? now - 3 * DAY_SECONDS : historyStart + random.int(now - historyStart - DAY_SECONDS)
      const hasCard = specimen || random.chance(0.9)
      const customer = seedCustomer(withCatalog, index, createdAt, hasCard)
      seeded.push(customer)
      if (!specimen) seedHistory(withCatalog, customer, hasCard)
    }
    const samples = seedSpecimens(history.at(now - 2 * DAY_SECONDS), seeded, catalog)
    for (let index = 0; index < Math.ceil(customers / 40); index++) {
      const at = historyStart + random.int(now - historyStart)
      const payout = createPayout(history.at(at), { amount: random.between(50, 5000) * 100, currency: "usd" })
      if (payout.data.arrival_date <= now) settlePayout(history.at(payout.data.arrival_date), payout)
    }
    return summarize(account, samples, account.events.collection.size - eventsBefore, startedMs)
  } finally {
    account.store.endBulk()
    account.events.collection.endBulk()
  }
}

const summarize = (account: Account, samples: SeedSummary["samples"], events: number, startedMs: number): SeedSummary => {
  const counts: Record<string, number> = {}
  for (const type of OBJECT_TYPES) counts[DUMP_COLLECTIONS[type]] = account.store.collection(type).size
  return { counts, events, samples, durationMs: Math.round(performance.now() - startedMs) }
}

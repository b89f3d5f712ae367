/** What the admin API's seed takes and returns (shared by server and client). */
export interface SeedOptions {
  /**
   * PRNG seed of the data (names, amounts, which customers subscribe…). Default: the emulator's seed.
   * Ids come from the account's seed stream, which only seeding draws from: in an account the emulator
   * started with, the same `seed` and the same seed calls give the same ids in every process.
   */
  readonly seed?: number
  /** Customers to create, each with its own history. Default 100. At least 6 are needed for the long-list specimens. */
  readonly customers?: number
  /** History spreads over this many days before now. Default 90. */
  readonly historyDays?: number
  /** Record events for objects created within the 30-day retention window. Default true. */
  readonly events?: boolean
}

export interface SeedSamples {
  /** An invoice with 25 lines (paged at `/v1/invoices/{id}/lines`). */
  readonly invoiceWithManyLines: string
  /** A subscription with 20 items, Stripe's maximum. */
  readonly subscriptionWithManyItems: string
  /** A charge with 12 partial refunds ($48 of $60), so `charge.refunds` has more than a first page. */
  readonly chargeWithManyRefunds: string
  /** A credit note with 15 lines. */
  readonly creditNoteWithManyLines: string
  /** A checkout session with 15 line items. */
  readonly checkoutSessionWithManyLineItems: string
  /** A charge that was disputed. */
  readonly disputedCharge: string
}

export interface SeedSummary {
  /** Objects now in the account, by dump collection name (see the README). */
  readonly counts: Readonly<Record<string, number>>
  readonly events: number
  readonly samples: SeedSamples
  readonly durationMs: number
}

/** What the admin API's mutate takes and returns (shared by server and client). */
export interface MutateOptions {
  /** Mutations per second (each is one logical change, often several objects and events). */
  readonly ratePerSecond: number
  /** Stop after this many mutations… */
  readonly count?: number
  /** …or after this long (whichever comes first; at least one of the two is required). */
  readonly durationMs?: number
  /** Answer only once the run has finished. */
  readonly wait?: boolean
  /** PRNG seed for the choice of mutations. Default: derived from the account. */
  readonly seed?: number
}

export interface MutationRun {
  readonly id: string
  readonly status: "running" | "completed" | "stopped"
  readonly ratePerSecond: number
  readonly planned: number | null
  readonly performed: number
  /** Mutations that Stripe rejected (a declined card, an object in the wrong state): expected now and then. */
  readonly rejected: number
  /** Mutations that failed inside the emulator (bugs); `lastError` has the latest stack. */
  readonly errors: number
  readonly lastError: string | null
  readonly byOperation: Readonly<Record<string, number>>
  readonly startedAt: string
  readonly finishedAt: string | null
}

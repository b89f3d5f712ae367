/** Shapes of the admin API (`/_emulator/...`), shared by the server and the typed client. */
export type { SeedOptions, SeedSamples, SeedSummary } from "../seed/SeedTypes.js"
export type { MutateOptions, MutationRun } from "../mutator/MutationTypes.js"
export type { FaultsPatch, FaultsView } from "../faults/Faults.js"
export type { Dump } from "../dump/Dump.js"

export interface ClockState {
  /** Emulator time, unix seconds. */
  readonly now: number
  /** How far the clock has been advanced past wall-clock time. */
  readonly offsetSeconds: number
}

export interface RateLimitState {
  /** Requests per second for the key (shared by its connected accounts); 0 = unlimited. */
  readonly perSecond: number
}

export interface ApiKeyInfo {
  readonly apiKey: string
  readonly accountId: string
}

export type { KeyState } from "../accounts/Registry.js"

export interface AccountStats {
  readonly accountId: string
  readonly counts: Readonly<Record<string, number>>
  readonly events: number
  readonly connectedAccounts: ReadonlyArray<string>
}

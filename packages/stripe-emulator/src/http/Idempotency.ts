import { DAY_SECONDS } from "../internal/Clock.js"

/**
 * Stripe's `Idempotency-Key` contract for POSTs, per account: a repeat with the same parameters
 * replays the first response; different parameters are a 400 `idempotency_error`; a repeat while
 * the first is still running is a 409. Only requests that ran are saved; a request rejected by
 * validation frees its key (as Stripe does), and keys expire after 24 hours of emulator time.
 */
import type { Body } from "./Body.js"

export interface SavedResponse {
  readonly status: number
  readonly body: Body
  readonly requestId: string
}

interface Record {
  readonly fingerprint: string
  readonly createdSeconds: number
  response: SavedResponse | undefined
}

export type IdempotencyCheck =
  | { readonly kind: "new" }
  | { readonly kind: "replay"; readonly response: SavedResponse }
  | { readonly kind: "in_progress" }
  | { readonly kind: "mismatch" }

const RETENTION_SECONDS = DAY_SECONDS
const PRUNE_EVERY = 1024

export class IdempotencyStore {
  private readonly records = new Map<string, Record>()
  private sincePrune = 0

  begin(key: string, fingerprint: string, nowSeconds: number): IdempotencyCheck {
    this.maybePrune(nowSeconds)
    const existing = this.records.get(key)
    if (existing !== undefined && existing.createdSeconds >= nowSeconds - RETENTION_SECONDS) {
      if (existing.fingerprint !== fingerprint) return { kind: "mismatch" }
      return existing.response === undefined ? { kind: "in_progress" } : { kind: "replay", response: existing.response }
    }
    this.records.set(key, { fingerprint, createdSeconds: nowSeconds, response: undefined })
    return { kind: "new" }
  }

  complete(key: string, response: SavedResponse): void {
    const record = this.records.get(key)
    if (record !== undefined) record.response = response
  }

  release(key: string): void {
    this.records.delete(key)
  }

  private maybePrune(nowSeconds: number): void {
    if (++this.sincePrune < PRUNE_EVERY) return
    this.sincePrune = 0
    for (const [key, record] of this.records) {
      if (record.createdSeconds < nowSeconds - RETENTION_SECONDS && record.response !== undefined) this.records.delete(key)
    }
  }
}

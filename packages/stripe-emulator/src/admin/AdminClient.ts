import type {
  AccountStats,
  ApiKeyInfo,
  ClockState,
  Dump,
  FaultsPatch,
  FaultsView,
  KeyState,
  MutateOptions,
  MutationRun,
  RateLimitState,
  SeedOptions,
  SeedSummary
} from "./AdminTypes.js"

/** An admin API call that failed; `body` is the emulator's Stripe-style error envelope. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown
  ) {
    super(`emulator admin API answered ${status}: ${JSON.stringify(body)}`)
    this.name = "AdminError"
  }
}

export interface AdminClientOptions {
  /** Act on a connected account of the key, as `Stripe-Account` does on `/v1`. */
  readonly stripeAccount?: string
}

/**
 * Typed client of the admin API (`/_emulator/...`) for one API key, usable against an emulator
 * started in-process or by the CLI.
 */
export class AdminClient {
  constructor(
    readonly url: string,
    readonly apiKey: string,
    private readonly options: AdminClientOptions = {}
  ) {}

  /** The same key, acting on one of its connected accounts. */
  forAccount(stripeAccount: string): AdminClient {
    return new AdminClient(this.url, this.apiKey, { stripeAccount })
  }

  seed(options: SeedOptions = {}): Promise<SeedSummary> {
    return this.call("POST", "/_emulator/seed", options)
  }

  /** Starts a mutation run; with `wait: true` resolves when it has finished. */
  mutate(options: MutateOptions): Promise<MutationRun> {
    return this.call("POST", "/_emulator/mutations", options)
  }

  mutation(id: string): Promise<MutationRun> {
    return this.call("GET", `/_emulator/mutations/${encodeURIComponent(id)}`)
  }

  stopMutation(id: string): Promise<MutationRun> {
    return this.call("DELETE", `/_emulator/mutations/${encodeURIComponent(id)}`)
  }

  clock(): Promise<ClockState> {
    return this.call("GET", "/_emulator/clock")
  }

  /** Moves the key's clock forward and runs what falls due (renewals, payouts, expiries). */
  advanceClock(seconds: number): Promise<ClockState> {
    return this.call("POST", "/_emulator/clock/advance", { seconds })
  }

  /** Merges `patch` into the key's faults and returns them all. */
  faults(patch: FaultsPatch = {}): Promise<FaultsView> {
    return this.call("POST", "/_emulator/faults", patch)
  }

  resetFaults(): Promise<FaultsView> {
    return this.call("DELETE", "/_emulator/faults")
  }

  rateLimit(): Promise<RateLimitState> {
    return this.call("GET", "/_emulator/rate_limit")
  }

  setRateLimit(perSecond: number): Promise<RateLimitState> {
    return this.call("POST", "/_emulator/rate_limit", { perSecond })
  }

  dump(options: { readonly includeDeleted?: boolean; readonly expand?: ReadonlyArray<string> } = {}): Promise<Dump> {
    const query = new URLSearchParams()
    if (options.includeDeleted === true) query.set("include_deleted", "true")
    for (const name of options.expand ?? []) query.append("expand[]", name)
    const search = query.toString()
    return this.call("GET", `/_emulator/dump${search === "" ? "" : `?${search}`}`)
  }

  stats(): Promise<AccountStats> {
    return this.call("GET", "/_emulator/stats")
  }

  /** A new API key with an empty account of its own (for isolated tests on a shared emulator). */
  createApiKey(): Promise<ApiKeyInfo> {
    return this.call("POST", "/_emulator/keys", {})
  }

  /** Whether `/v1` refuses this client's key, and how many requests it refused for that. */
  key(): Promise<KeyState> {
    return this.call("GET", "/_emulator/key")
  }

  /** `/v1` refuses this client's key (401 `api_key_expired`) until `restoreKey`; the admin API still takes it. */
  revokeKey(): Promise<KeyState> {
    return this.call("POST", "/_emulator/key/revoke", {})
  }

  restoreKey(): Promise<KeyState> {
    return this.call("POST", "/_emulator/key/restore", {})
  }

  /** Stripe's "roll key": a new key for the same account; this client's key is revoked at once. */
  rollKey(): Promise<ApiKeyInfo> {
    return this.call("POST", "/_emulator/key/roll", {})
  }

  /** What a customer does on the hosted page; `payment_method` is a test card name such as `pm_card_visa`. */
  completeCheckoutSession(id: string, options: { readonly payment_method?: string } = {}): Promise<Record<string, unknown>> {
    return this.call("POST", `/_emulator/checkout/sessions/${encodeURIComponent(id)}/complete`, options)
  }

  createDispute(charge: string): Promise<Record<string, unknown>> {
    return this.call("POST", "/_emulator/disputes", { charge })
  }

  private async call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.apiKey}`,
        ...(this.options.stripeAccount === undefined ? {} : { "Stripe-Account": this.options.stripeAccount }),
        ...(body === undefined ? {} : { "Content-Type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const parsed: unknown = await response.json()
    if (!response.ok) throw new AdminError(response.status, parsed)
    return parsed as T
  }
}

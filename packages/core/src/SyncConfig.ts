/**
 * A sync is configuration: which account of which source to mirror, and how. It is
 * stored in the `syncs` KV bucket; the API key is stored encrypted (see `Secrets`).
 */
import { Schema } from "effect"
import { CollectionId } from "./Collection.js"
import { SourceName, SyncId } from "./Ids.js"

/** Ciphertext of an API key, as produced by `Secrets.encrypt`. Never the key itself. */
export const EncryptedSecret = Schema.String.pipe(
  Schema.pattern(/^v1\./, { message: () => "must be a value encrypted by Tributary (v1.…)" }),
  Schema.brand("EncryptedSecret")
)
export type EncryptedSecret = typeof EncryptedSecret.Type

/**
 * The sources a sync can be created for: those the sync service has a connector for
 * (`services/sync/src/Connectors.ts`). A sync of any other could never run, so creating one is
 * refused (the API and the CLI both decode with this). A stored sync keeps any `SourceName`.
 */
export const supportedSources = ["stripe"] as const

export const SupportedSource = Schema.Literal(...supportedSources).annotations({
  identifier: "Source",
  description: "An upstream Tributary has a connector for",
  message: (issue) =>
    `must be a source Tributary has a connector for (${supportedSources.join(", ")}); got ${JSON.stringify(issue.actual)}`
})
export type SupportedSource = typeof SupportedSource.Type

export const SyncState = Schema.Literal("active", "paused")
export type SyncState = typeof SyncState.Type

export const DeleteMode = Schema.Literal("soft", "hard")
export type DeleteMode = typeof DeleteMode.Type

export const RateBudget = Schema.Struct({
  /**
   * The account's quota upstream, in requests per second. Unset: the connector's default for
   * the sync's key and endpoint (Stripe: 25 for a test-mode key on api.stripe.com, else 100).
   */
  quota_per_second: Schema.optional(Schema.Number.pipe(Schema.positive())),
  /** The share of the quota the sync may use; the rest is headroom for the account's own traffic. */
  share: Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1))
})
export type RateBudget = typeof RateBudget.Type

/** The quota is left to the connector, which knows the upstream's limit for the key and endpoint. */
export const defaultRateBudget: RateBudget = { share: 0.8 }

export class SyncConfig extends Schema.Class<SyncConfig>("SyncConfig")({
  id: SyncId,
  source: SourceName,
  name: Schema.optional(Schema.String),
  api_key: EncryptedSecret,
  /** Connected account to act for (Stripe's `Stripe-Account` header). */
  account: Schema.optional(Schema.String),
  /** Where the API lives; unset means the source's public endpoint. */
  api_base_url: Schema.optional(Schema.String),
  external_id: Schema.NullOr(Schema.String),
  metadata: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  rate_budget: RateBudget,
  /** Collections to mirror; `all` means every collection the connector offers. */
  collections: Schema.Union(Schema.Literal("all"), Schema.Array(CollectionId)),
  delete_mode: DeleteMode,
  state: SyncState,
  created_at: Schema.String
}) {}

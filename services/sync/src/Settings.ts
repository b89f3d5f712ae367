/**
 * Configuration of the sync service (`TRIBUTARY_SYNC_*`), validated at start-up.
 */
import { hostname } from "node:os"
import { randomBytes } from "node:crypto"
import { Settings } from "@tributary/core"
import { Config, Context, Effect, Layer, Schema } from "effect"

export interface SyncSettings {
  /** Names this replica in leases and statuses. */
  readonly replicaId: string
  readonly httpPort: number
  /** The address `/healthz`, `/readyz` and `/metrics` listen on. */
  readonly httpHost: string
  /** How often a caught-up sync asks for changes. */
  readonly pollIntervalMs: number
  /** The trailing window re-scanned for changes listed late. */
  readonly overlapSeconds: number
  readonly rescanIntervalMs: number
  /** How often objects without change events (balance transactions) are listed for new ones. */
  readonly sweepIntervalMs: number
  /** A replica that stops renewing loses its syncs after this long. */
  readonly leaseTtlMs: number
  /** Records one sync publishes at once, awaiting their acks (back-pressure). */
  readonly publishConcurrency: number
}

export class SyncSettingsTag extends Context.Tag("@tributary/sync/Settings")<SyncSettingsTag, SyncSettings>() {}

const positiveInt = (name: string, fallback: number) =>
  Schema.Config(Settings.env(name), Schema.NumberFromString.pipe(Schema.int(), Schema.positive())).pipe(
    Config.withDefault(fallback)
  )

export const defaults = (replicaId: string): SyncSettings => ({
  replicaId,
  httpPort: 8090,
  httpHost: "0.0.0.0",
  pollIntervalMs: 500,
  overlapSeconds: 60,
  rescanIntervalMs: 5_000,
  sweepIntervalMs: 30_000,
  leaseTtlMs: 5_000,
  publishConcurrency: 256
})

const generatedReplicaId = () => `${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-${process.pid}-${randomBytes(3).toString("hex")}`

export const config = Config.all({
  replicaId: Config.string(Settings.env("SYNC_REPLICA_ID")).pipe(Config.withDefault(generatedReplicaId())),
  httpPort: Settings.httpPort("SYNC_PORT", 8090),
  httpHost: Settings.httpHost("SYNC_HOST"),
  pollIntervalMs: positiveInt("SYNC_POLL_INTERVAL_MS", 500),
  overlapSeconds: positiveInt("SYNC_OVERLAP_SECONDS", 60),
  rescanIntervalMs: positiveInt("SYNC_RESCAN_INTERVAL_MS", 5_000),
  sweepIntervalMs: positiveInt("SYNC_SWEEP_INTERVAL_MS", 30_000),
  leaseTtlMs: positiveInt("SYNC_LEASE_TTL_MS", 5_000),
  publishConcurrency: positiveInt("SYNC_PUBLISH_CONCURRENCY", 256)
})

export const layer = (settings: SyncSettings) => Layer.succeed(SyncSettingsTag, settings)
export const current = Effect.map(SyncSettingsTag, (s) => s)

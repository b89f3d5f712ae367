/**
 * Prometheus metrics of the sync service, served on `/metrics`. One registry per process
 * (a Layer), so tests that run several replicas in one process keep them apart.
 */
import { Context, Effect, Layer } from "effect"
import * as Prom from "prom-client"

export interface SyncMetrics {
  readonly registry: Prom.Registry
  readonly requests: Prom.Counter<"sync" | "outcome">
  readonly records: Prom.Counter<"sync" | "collection" | "action">
  readonly skipped: Prom.Counter<"sync" | "reason">
  readonly refreshes: Prom.Counter<"sync">
  readonly malformed: Prom.Counter<"sync" | "collection">
  readonly pages: Prom.Counter<"sync" | "work_item">
  readonly lagSeconds: Prom.Gauge<"sync">
  readonly phase: Prom.Gauge<"sync" | "phase">
  readonly actors: Prom.Gauge
  readonly leases: Prom.Counter<"event">
}

export class Metrics extends Context.Tag("@tributary/sync/Metrics")<Metrics, SyncMetrics>() {}

export const make = (): SyncMetrics => {
  const registry = new Prom.Registry()
  Prom.collectDefaultMetrics({ register: registry, prefix: "tributary_sync_process_" })
  const registers = [registry]
  return {
    registry,
    requests: new Prom.Counter({
      name: "tributary_sync_upstream_requests_total",
      help: "Upstream API requests by outcome (ok, rate_limited, unavailable, refused)",
      labelNames: ["sync", "outcome"],
      registers
    }),
    records: new Prom.Counter({
      name: "tributary_sync_records_published_total",
      help: "Record versions published to RECORDS (and their changes to EVENTS)",
      labelNames: ["sync", "collection", "action"],
      registers
    }),
    skipped: new Prom.Counter({
      name: "tributary_sync_versions_skipped_total",
      help: "Observed versions not published: older than the published one, the same change, unchanged content",
      labelNames: ["sync", "reason"],
      registers
    }),
    refreshes: new Prom.Counter({
      name: "tributary_sync_refreshes_total",
      help: "Records read afresh because two versions could not be ordered or a change came without a payload",
      labelNames: ["sync"],
      registers
    }),
    malformed: new Prom.Counter({
      name: "tributary_sync_malformed_total",
      help: "Upstream objects that could not be understood (logged with their id)",
      labelNames: ["sync", "collection"],
      registers
    }),
    pages: new Prom.Counter({
      name: "tributary_sync_backfill_pages_total",
      help: "Backfill pages completed and checkpointed",
      labelNames: ["sync", "work_item"],
      registers
    }),
    lagSeconds: new Prom.Gauge({
      name: "tributary_sync_lag_seconds",
      help: "How far behind upstream the copy is: about 0 once a poll reaches the present, else seconds since the newest change applied",
      labelNames: ["sync"],
      registers
    }),
    phase: new Prom.Gauge({
      name: "tributary_sync_phase",
      help: "1 for the phase each sync run by this replica is in",
      labelNames: ["sync", "phase"],
      registers
    }),
    actors: new Prom.Gauge({ name: "tributary_sync_actors", help: "Sync actors running on this replica", registers }),
    leases: new Prom.Counter({
      name: "tributary_sync_lease_events_total",
      help: "Lease events on this replica (acquired, renewed, lost, released, declined)",
      labelNames: ["event"],
      registers
    })
  }
}

export const layer = Layer.sync(Metrics, make)

export const render = Effect.flatMap(Metrics, (metrics) => Effect.promise(() => metrics.registry.metrics()))

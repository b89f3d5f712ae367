/**
 * A namespace names every JetStream resource Tributary owns: the subject root, the
 * streams and the KV buckets. Production uses the default (`tributary`, streams
 * `RECORDS` and `EVENTS`); tests use a namespace each, so they can run in parallel
 * against one server. Several deployments can share a NATS account the same way.
 */
import { Schema } from "effect"

export const NamespaceName = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]{0,30}$/, {
    message: () => "must start with a lower-case letter and use only a-z, 0-9 and '_' (at most 31 characters)"
  })
)

export const DEFAULT = "tributary"

export interface Namespace {
  readonly root: string
  readonly streams: {
    /** Latest version of every record (`max_msgs_per_subject=1`). */
    readonly records: string
    /** Every change, retained by age and size. */
    readonly events: string
    /** Milestones of every sync (`backfill_started`, `backfill_complete`, …). */
    readonly syncLog: string
  }
  readonly buckets: {
    /** Sync configs, keyed by sync id; API keys encrypted. */
    readonly syncs: string
    /** Sync checkpoints and status: cursors, backfill progress. */
    readonly checkpoints: string
    /** Actor leases: which replica runs which sync. */
    readonly leases: string
    /** Consumer configs of the consume API. */
    readonly consumers: string
    /** Per-record in-flight leases that the gateway uses to withhold newer versions. */
    readonly inflight: string
    /** Hashed API tokens of the management and consume APIs. */
    readonly tokens: string
  }
}

export const make = (root: string = DEFAULT): Namespace => {
  Schema.decodeUnknownSync(NamespaceName)(root)
  const streamPrefix = root === DEFAULT ? "" : `${root.toUpperCase()}_`
  return {
    root,
    streams: {
      records: `${streamPrefix}RECORDS`,
      events: `${streamPrefix}EVENTS`,
      syncLog: `${streamPrefix}SYNC_LOG`
    },
    buckets: {
      syncs: `${root}_syncs`,
      checkpoints: `${root}_checkpoints`,
      leases: `${root}_leases`,
      consumers: `${root}_consumers`,
      inflight: `${root}_inflight`,
      tokens: `${root}_tokens`
    }
  }
}

export const defaultNamespace: Namespace = make()
